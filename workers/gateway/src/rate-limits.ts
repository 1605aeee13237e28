import { usernameKey } from "#shared/contracts/username";
import { ApiError } from "./problems";

/** What the limits read of a request's context. */
interface LimitContext {
	env: Pick<Env, "LOGIN_LIMITER" | "REGISTRATION_LIMITER" | "REFRESH_LIMITER" | "ORDER_LIMITER">;
	req: { header(name: string): string | undefined };
}

/**
 * The client's address as Cloudflare saw it. Only `CF-Connecting-IP`: the
 * edge sets it and overwrites what a client sends, unlike X-Forwarded-For.
 */
function clientIp(c: LimitContext): string {
	return c.req.header("CF-Connecting-IP") ?? "unknown";
}

/**
 * Counts one request against `key`; past the limit, a 429 that says what was
 * too many and, in Retry-After, the limiter's period (`period` in
 * wrangler.toml), after which a refused client may try again.
 */
async function enforce(
	limiter: RateLimit,
	key: string,
	what: string,
	periodSeconds: number,
): Promise<void> {
	const { success } = await limiter.limit({ key });
	if (!success) {
		throw new ApiError("rate_limited", `Too many ${what}; try again in ${periodSeconds} seconds`, {
			retryAfterSeconds: periodSeconds,
		});
	}
}

/** Login attempts per client IP and username (folded as the user worker compares them), right or wrong. */
export function limitLogin(c: LimitContext, username: string): Promise<void> {
	return enforce(
		c.env.LOGIN_LIMITER,
		`${clientIp(c)}:${usernameKey(username)}`,
		"login attempts for this username",
		60,
	);
}

/**
 * Password checks of a signed-in user (a password change, a deletion) per
 * client IP and account, on the login limiter: a stolen access token buys
 * no more guesses than a login does. `#` never occurs in a folded
 * username, so these keys never meet a login's.
 */
export function limitPasswordCheck(c: LimitContext, userId: number): Promise<void> {
	return enforce(
		c.env.LOGIN_LIMITER,
		`${clientIp(c)}:#${userId}`,
		"password attempts for this account",
		60,
	);
}

/** Refreshes and logouts per client IP: each reaches the Account object its token names. */
export function limitRefresh(c: LimitContext): Promise<void> {
	return enforce(c.env.REFRESH_LIMITER, clientIp(c), "token refreshes from this address", 60);
}

/** Registrations per client IP, through API v1 and the tutorial's /register alike. */
export function limitRegistration(c: LimitContext): Promise<void> {
	return enforce(c.env.REGISTRATION_LIMITER, clientIp(c), "registrations from this address", 60);
}

/**
 * Order requests per user, whoever sends them: each one occupies the user's
 * Durable Object, which serves one at a time.
 */
export function limitOrders(c: LimitContext, userId: number): Promise<void> {
	return enforce(c.env.ORDER_LIMITER, String(userId), "order requests for this account", 10);
}

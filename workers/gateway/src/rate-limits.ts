import { usernameKey } from "../../../shared/username";
import { ApiError } from "./problems";

/** What the limits read of a request's context. */
interface LimitContext {
	env: Pick<Env, "LOGIN_LIMITER" | "REGISTRATION_LIMITER">;
	req: { header(name: string): string | undefined };
}

/** Both limiters count per minute (`period = 60` in wrangler.toml), so a refused client can retry after that. */
const RETRY_AFTER_SECONDS = 60;

/**
 * The client's address as Cloudflare saw it. Only `CF-Connecting-IP`: the
 * edge sets it and overwrites what a client sends, unlike X-Forwarded-For.
 */
function clientIp(c: LimitContext): string {
	return c.req.header("CF-Connecting-IP") ?? "unknown";
}

async function enforce(limiter: RateLimit, key: string, what: string): Promise<void> {
	const { success } = await limiter.limit({ key });
	if (!success) {
		throw new ApiError("rate_limited", `Too many ${what}; try again in a minute`, {
			retryAfterSeconds: RETRY_AFTER_SECONDS,
		});
	}
}

/** Login attempts per client IP and username (folded as the user worker compares them), right or wrong. */
export function limitLogin(c: LimitContext, username: string): Promise<void> {
	return enforce(
		c.env.LOGIN_LIMITER,
		`${clientIp(c)}:${usernameKey(username)}`,
		"login attempts for this username",
	);
}

/** Registrations per client IP, through API v1 and the tutorial's /register alike. */
export function limitRegistration(c: LimitContext): Promise<void> {
	return enforce(c.env.REGISTRATION_LIMITER, clientIp(c), "registrations from this address");
}

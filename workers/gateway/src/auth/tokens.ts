import { sign, verify } from "hono/jwt";
import { ApiError } from "../problems";

/** Access tokens are short-lived; clients log in again. */
export const TOKEN_TTL_SECONDS = 15 * 60;
const TOKEN_ISSUER = "gateway";
const TOKEN_AUDIENCE = "api";
const ALGORITHM = "HS256";
const MIN_SECRET_BYTES = 32;
const encoder = new TextEncoder();

/** The signing secret, or a 503: without a strong secret no token is issued or accepted. */
export function signingSecret(env: { JWT_SECRET?: string }): string {
	const secret = env.JWT_SECRET ?? "";
	if (encoder.encode(secret).byteLength < MIN_SECRET_BYTES) {
		throw new ApiError("service_unavailable", "Token signing is not configured");
	}
	return secret;
}

// Given the secret as a string, hono/jwt imports a key from it on every sign
// and verify; given a CryptoKey it uses that. So each secret is imported once
// per isolate, not once per request.
const signingKeys = new Map<string, Promise<CryptoKey>>();

function signingKey(env: { JWT_SECRET?: string }): Promise<CryptoKey> {
	const secret = signingSecret(env);
	let key = signingKeys.get(secret);
	if (!key) {
		key = crypto.subtle.importKey(
			"raw",
			encoder.encode(secret),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["sign", "verify"],
		);
		signingKeys.set(secret, key);
	}
	return key;
}

export async function issueAccessToken(env: { JWT_SECRET?: string }, userId: number) {
	const now = Math.floor(Date.now() / 1000);
	const accessToken = await sign(
		{
			sub: String(userId),
			iat: now,
			exp: now + TOKEN_TTL_SECONDS,
			iss: TOKEN_ISSUER,
			aud: TOKEN_AUDIENCE,
		},
		await signingKey(env),
		ALGORITHM,
	);
	return { accessToken, tokenType: "Bearer" as const, expiresIn: TOKEN_TTL_SECONDS };
}

/** The user id in a valid token; a 401 for anything else (bad signature, other alg, expired, wrong iss/aud). */
export async function verifyAccessToken(
	env: { JWT_SECRET?: string },
	token: string,
): Promise<number> {
	const key = await signingKey(env);
	const payload = await verify(token, key, {
		alg: ALGORITHM,
		iss: TOKEN_ISSUER,
		aud: TOKEN_AUDIENCE,
	}).catch(() => null);
	const sub = typeof payload?.sub === "string" ? payload.sub : "";
	if (!payload || typeof payload.exp !== "number" || !/^[1-9]\d{0,15}$/.test(sub)) {
		throw new ApiError("unauthorized", "The access token is missing, invalid or expired");
	}
	return Number(sub);
}

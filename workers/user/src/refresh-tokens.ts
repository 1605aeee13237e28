import { toHex } from "#shared/kit/hex";

/** A refresh token lives this long from its issue; each refresh issues a new one. */
export const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * `<user id>.<256 random bits, base64url>`. Opaque to clients; the user id
 * routes a refresh to its user's Account object without a lookup, and says
 * nothing a client's access token does not already say.
 */
const FORMAT = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{43})$/;

export interface NewRefreshToken {
	token: string;
	/** What the Account object stores: SHA-256 of the token, hex. */
	hash: string;
}

/** SHA-256, not a password hash: the token is 256 random bits, so there is nothing to guess. */
export async function hashRefreshToken(token: string): Promise<string> {
	return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
}

export async function newRefreshToken(userId: number): Promise<NewRefreshToken> {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	const secret = btoa(String.fromCharCode(...bytes))
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
	const token = `${userId}.${secret}`;
	return { token, hash: await hashRefreshToken(token) };
}

/** The user a well-formed refresh token names; null for anything else. */
export function refreshTokenUser(token: string): number | null {
	const match = FORMAT.exec(token);
	return match ? Number(match[1]) : null;
}

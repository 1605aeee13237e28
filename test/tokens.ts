import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { encodeBase64Url } from "hono/utils/encode";
import { keyId } from "../workers/gateway/src/auth/tokens";

/** Token fixtures for the gateway's tests: claims and signatures an attacker (or a past deploy) could produce. */

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The header and payload of a compact JWS. */
export function partsOf(token: string) {
	const decode = (part = "") => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
	const [header, payload] = token.split(".");
	return { header: decode(header), payload: decode(payload) };
}

/** The claims the gateway issues for a user and session, at `iat`. */
export function claimsFor(userId: number, sessionId: string, iat = nowSeconds()) {
	return { sub: String(userId), sid: sessionId, iat, exp: iat + 900, iss: "gateway", aud: "api" };
}

/** A token with any claims, signed with HMAC the way the gateway signs (a `kid` naming the secret). */
export async function mintToken(
	claims: Record<string, unknown>,
	{
		secret = env.JWT_SECRET,
		alg = "HS256",
	}: { secret?: string; alg?: "HS256" | "HS384" | "HS512" } = {},
): Promise<string> {
	const k = encodeBase64Url(new TextEncoder().encode(secret).buffer).replace(/=+$/, "");
	return sign(claims, { kty: "oct", k, alg, kid: await keyId(secret) });
}

/** A compact JWS with any header and claims, HMAC-SHA256-signed with `key`: what an attacker with a key of their own builds. */
export async function hmacSigned(
	header: Record<string, unknown>,
	claims: Record<string, unknown>,
	key: string | Uint8Array,
): Promise<string> {
	const encoder = new TextEncoder();
	const part = (value: object) =>
		encodeBase64Url(encoder.encode(JSON.stringify(value)).buffer).replace(/=+$/, "");
	const input = `${part(header)}.${part(claims)}`;
	const raw = typeof key === "string" ? encoder.encode(key) : key;
	const hmac = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	const signature = await crypto.subtle.sign("HMAC", hmac, encoder.encode(input));
	return `${input}.${encodeBase64Url(signature).replace(/=+$/, "")}`;
}

import { sign, verify } from "hono/jwt";
import { encodeBase64Url } from "hono/utils/encode";
import { decodeHeader } from "hono/utils/jwt/jwt";
import type { Principal } from "#shared/contracts/rpc";
import { toHex } from "#shared/kit/hex";
import { ApiError } from "../problems";

/** Access tokens are short-lived; clients refresh them (POST /api/v1/auth/refresh). */
export const TOKEN_TTL_SECONDS = 15 * 60;
const TOKEN_ISSUER = "gateway";
const TOKEN_AUDIENCE = "api";
const ALGORITHM = "HS256";
const MIN_SECRET_BYTES = 32;

/**
 * The secrets tokens are signed with. JWT_SECRET signs and verifies. During
 * a rotation (docs/OPERATIONS.md, "Rotating the signing key")
 * JWT_PREVIOUS_SECRET still verifies the tokens it signed before
 * JWT_PREVIOUS_SECRET_RETIRED_AT, for one token lifetime after that moment,
 * so nobody is logged out.
 * wrangler.toml's top-level [secrets] declares all three, so `wrangler dev`
 * loads them from .dev.vars (it drops keys that are not declared);
 * [env.production.secrets] requires JWT_SECRET only. Outside a rotation the
 * two rotation keys are empty (.dev.vars) or absent (production). Each is
 * optional here and checked before use: no JWT_SECRET of 32 bytes is a 503,
 * and a previous secret without a readable retirement time verifies nothing.
 */
export interface SigningSecrets {
	JWT_SECRET?: string;
	JWT_PREVIOUS_SECRET?: string;
	JWT_PREVIOUS_SECRET_RETIRED_AT?: string;
}

interface SigningKey {
	/** Names the key in each token's header (see keyId). */
	kid: string;
	/** For verifying: imported once per isolate, not per request. */
	key: CryptoKey;
	/** For signing: hono/jwt puts a JWK's `kid` in the header. */
	jwk: JsonWebKey & { alg: typeof ALGORITHM; kid: string };
}

const encoder = new TextEncoder();
const keys = new Map<string, Promise<SigningKey>>();

/** The `kid` of tokens signed with `secret`: the start of its SHA-256, which says nothing of the secret. */
export async function keyId(secret: string): Promise<string> {
	return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(secret))).slice(0, 16);
}

function signingKey(secret: string): Promise<SigningKey> {
	let key = keys.get(secret);
	if (!key) {
		const raw = encoder.encode(secret);
		key = Promise.all([
			keyId(secret),
			crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]),
		]).then(([kid, cryptoKey]) => ({
			kid,
			key: cryptoKey,
			jwk: { kty: "oct", k: encodeBase64Url(raw.buffer).replace(/=+$/, ""), alg: ALGORITHM, kid },
		}));
		keys.set(secret, key);
	}
	return key;
}

/** No access token, or not a Bearer one. */
export const unauthorized = () =>
	new ApiError("unauthorized", "This needs an access token: Authorization: Bearer <token>");

/** A token that does not authenticate and never will: which check failed stays unsaid. */
export const invalidToken = () =>
	new ApiError("invalid_token", "The access token is invalid; log in or refresh for a new one");

/** A token that did authenticate until it expired: refresh it. */
const tokenExpired = () =>
	new ApiError("token_expired", "The access token expired; refresh it for a new one");

/** A session id as the user worker writes them: 128 random bits in hex. */
const SESSION_ID = /^[0-9a-f]{32}$/;

const isStrong = (secret: string) => encoder.encode(secret).byteLength >= MIN_SECRET_BYTES;

/** The signing secret, or a 503: without a strong secret no token is issued or accepted. */
export function signingSecret(env: SigningSecrets): string {
	const secret = env.JWT_SECRET ?? "";
	if (!isStrong(secret)) {
		throw new ApiError("service_unavailable", "Token signing is not configured");
	}
	return secret;
}

/** The previous key and when it stopped signing, if a rotation is under way and well configured. */
async function previousKey(env: SigningSecrets) {
	const secret = env.JWT_PREVIOUS_SECRET ?? "";
	const retiredAt = Date.parse(env.JWT_PREVIOUS_SECRET_RETIRED_AT ?? "");
	if (!isStrong(secret) || Number.isNaN(retiredAt)) return null;
	return { key: await signingKey(secret), retiredAt };
}

export async function issueAccessToken(
	env: SigningSecrets,
	principal: Principal & { sessionId: string },
) {
	const { jwk } = await signingKey(signingSecret(env));
	const now = Math.floor(Date.now() / 1000);
	const accessToken = await sign(
		{
			sub: String(principal.userId),
			iat: now,
			exp: now + TOKEN_TTL_SECONDS,
			iss: TOKEN_ISSUER,
			aud: TOKEN_AUDIENCE,
			// The session it belongs to: the user worker refuses the token once
			// the session ends (logout, password change, deletion).
			sid: principal.sessionId,
		},
		jwk,
	);
	return { accessToken, tokenType: "Bearer" as const, expiresIn: TOKEN_TTL_SECONDS };
}

/**
 * The principal a valid token names. A 401 `token_expired` for a token that
 * is right in every way but its age; `invalid_token` for anything else: a
 * bad signature, another algorithm, an unknown or retired key, another
 * issuer or audience, a lifetime longer than the gateway gives, a token
 * issued in the future.
 */
export async function verifyAccessToken(
	env: SigningSecrets,
	token: string,
): Promise<Principal & { sessionId: string }> {
	const current = await signingKey(signingSecret(env));
	let kid: unknown;
	try {
		// Only the header: verify() decodes the payload once the key is known.
		kid = decodeHeader(token).kid;
	} catch {
		throw invalidToken();
	}
	const signer = kid === current.kid ? { key: current, retiredAt: null } : await previousKey(env);
	if (!signer || signer.key.kid !== kid) throw invalidToken();
	// hono/jwt checks `exp` before the signature; checked here after it, so
	// only a genuine token is ever called expired.
	const payload = await verify(token, signer.key.key, {
		alg: ALGORITHM,
		iss: TOKEN_ISSUER,
		aud: TOKEN_AUDIENCE,
		exp: false,
	}).catch(() => null);
	const sub = typeof payload?.sub === "string" ? payload.sub : "";
	const sessionId = payload?.sid;
	if (
		!payload ||
		typeof payload.exp !== "number" ||
		typeof payload.iat !== "number" ||
		payload.exp - payload.iat > TOKEN_TTL_SECONDS ||
		!/^[1-9]\d{0,15}$/.test(sub) ||
		typeof sessionId !== "string" ||
		!SESSION_ID.test(sessionId)
	) {
		throw invalidToken();
	}
	// A retired key vouches only for what it signed before it retired, and only
	// for one token lifetime after: a leaked old key mints nothing new.
	if (
		signer.retiredAt !== null &&
		(payload.iat * 1000 > signer.retiredAt ||
			Date.now() >= signer.retiredAt + TOKEN_TTL_SECONDS * 1000)
	) {
		throw invalidToken();
	}
	if (payload.exp <= Math.floor(Date.now() / 1000)) throw tokenExpired();
	return { userId: Number(sub), sessionId };
}

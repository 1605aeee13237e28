import type { MiddlewareHandler } from "hono";
import type { Principal } from "#shared/contracts/rpc";
import {
	invalidToken,
	type SigningSecrets,
	unauthorized,
	verifyAccessToken,
} from "../../auth/tokens";
import { ApiError } from "../../problems";

/** The caller a valid token names: its user id and the session the user worker checks. */
export type RequireUserVariables = { principal: Principal & { sessionId: string } };

/** A correctly signed token whose session has ended (logout, password change, deleted account). */
export const tokenNoLongerValid = () =>
	new ApiError("invalid_token", "The access token's session has ended; log in again");

// The scheme name is case-insensitive (RFC 9110); the token is a compact JWS.
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+)$/;
const JWS = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+$/;

/**
 * Admits requests with a valid access token and sets `principal` from it.
 * The internal workers trust the user id; the user worker checks that the
 * token's session is live on each call that reaches it, which every route
 * behind this middleware makes.
 */
export const requireUser =
	(): MiddlewareHandler<{ Bindings: SigningSecrets; Variables: RequireUserVariables }> =>
	async (c, next) => {
		const token = BEARER.exec(c.req.header("Authorization") ?? "")?.[1];
		// No Bearer token at all, or one that cannot be ours (RFC 6750, section 3.1).
		if (!token) throw unauthorized();
		if (!JWS.test(token)) throw invalidToken();
		c.set("principal", await verifyAccessToken(c.env, token));
		await next();
	};

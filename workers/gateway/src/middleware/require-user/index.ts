import type { MiddlewareHandler } from "hono";
import type { Principal } from "../../../../../shared/rpc";
import { type SigningSecrets, unauthorized, verifyAccessToken } from "../../auth/tokens";
import { ApiError } from "../../problems";

/** The caller a valid token names: its user id and the token key the user worker checks. */
export type RequireUserVariables = { principal: Principal & { tokenKey: string } };

/** A correctly signed token whose account is gone, or whose key was replaced, is not a valid token. */
export const tokenNoLongerValid = () =>
	new ApiError("unauthorized", "The access token is no longer valid for its user");

// The scheme name is case-insensitive (RFC 9110); the token is a compact JWS.
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)$/;

/**
 * Admits requests with a valid access token and sets `principal` from it.
 * The internal workers trust the user id; the user worker checks the
 * token key against the account on each call that reaches it.
 */
export const requireUser =
	(): MiddlewareHandler<{ Bindings: SigningSecrets; Variables: RequireUserVariables }> =>
	async (c, next) => {
		const token = BEARER.exec(c.req.header("Authorization") ?? "")?.[1];
		if (!token) throw unauthorized();
		c.set("principal", await verifyAccessToken(c.env, token));
		await next();
	};

import type { MiddlewareHandler } from "hono";
import { verifyAccessToken } from "../../auth/tokens";
import { ApiError } from "../../problems";

export type RequireUserVariables = { userId: number };

/** A valid token for a user that is gone is no longer a valid token. */
export const TOKEN_USER_GONE = "The access token's user no longer exists";

// The scheme name is case-insensitive (RFC 9110); the token is a compact JWS.
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)$/;

/**
 * Admits requests with a valid access token and sets `userId` from its `sub`.
 * The internal workers trust that id, so this is the only check there is.
 */
export const requireUser =
	(): MiddlewareHandler<{
		Bindings: { JWT_SECRET?: string };
		Variables: RequireUserVariables;
	}> =>
	async (c, next) => {
		const token = BEARER.exec(c.req.header("Authorization") ?? "")?.[1];
		if (!token)
			throw new ApiError("unauthorized", "The access token is missing, invalid or expired");
		c.set("userId", await verifyAccessToken(c.env, token));
		await next();
	};

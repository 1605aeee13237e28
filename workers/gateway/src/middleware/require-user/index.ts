import type { MiddlewareHandler } from "hono";
import { verifyAccessToken } from "../../auth/tokens";
import { ApiError } from "../../problems";

export type RequireUserVariables = { userId: number };

const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)$/;

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

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { IssuedSession } from "#shared/contracts/sessions";
import { lengthBetween } from "#shared/contracts/text";
import {
	issueAccessToken,
	type SigningSecrets,
	signingSecret,
	TOKEN_TTL_SECONDS,
} from "../../auth/tokens";
import { callContext, callService } from "../../call-service";
import type { AppEnv } from "../../env";
import { BookmarkRequestHeader } from "../../middleware/d1-bookmark";
import { ApiError, problemResponses, rejectInvalid } from "../../problems";
import { limitLogin, limitRefresh } from "../../rate-limits";
import { LoginFields } from "../credentials";

const LoginSchema = z
	.strictObject(LoginFields)
	.meta({ id: "Login", example: { username: "alice", password: "correct horse battery" } });

/** Seconds from now until `epochMs`. */
const secondsUntil = (epochMs: number) => Math.max(0, Math.round((epochMs - Date.now()) / 1000));

export const TokenPairSchema = z
	.object({
		accessToken: z.string().meta({ description: "A JWT (HS256) for `Authorization: Bearer`." }),
		tokenType: z.literal("Bearer"),
		expiresIn: z.number().int().meta({ example: TOKEN_TTL_SECONDS }),
		refreshToken: z.string().meta({
			description:
				"Opaque. Send it to /api/v1/auth/refresh for the next pair; it works once (rotation).",
		}),
		refreshExpiresIn: z
			.number()
			.int()
			.meta({ example: 30 * 24 * 60 * 60 }),
	})
	.meta({
		id: "TokenPair",
		example: {
			accessToken: "eyJhbGciOiJIUzI1NiIsImtpZCI6IjFhMmIzYzRkIn0.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
			tokenType: "Bearer",
			expiresIn: TOKEN_TTL_SECONDS,
			refreshToken: "1.UNhY4JhezH9gQYqvDMWrWH9CwlcKiECVqejMrND2VFw",
			refreshExpiresIn: 30 * 24 * 60 * 60,
		},
	});

/** The pair for a session that just started or rotated. */
export async function tokenPair(env: SigningSecrets, userId: number, session: IssuedSession) {
	const access = await issueAccessToken(env, { userId, sessionId: session.sessionId });
	return {
		...access,
		refreshToken: session.refreshToken,
		refreshExpiresIn: secondsUntil(session.refreshExpiresAt),
	};
}

const RefreshSchema = z.strictObject({ refreshToken: lengthBetween(1, 256) }).meta({
	id: "RefreshRequest",
	example: { refreshToken: "1.UNhY4JhezH9gQYqvDMWrWH9CwlcKiECVqejMrND2VFw" },
});

const pairJson = { "application/json": { schema: TokenPairSchema } };

const login = createRoute({
	method: "post",
	path: "/auth/login",
	operationId: "login",
	tags: ["Auth"],
	summary: "Start a session: a username and password for a token pair",
	security: [],
	request: {
		headers: z.object(BookmarkRequestHeader),
		body: { required: true, content: { "application/json": { schema: LoginSchema } } },
	},
	responses: {
		200: { description: "OK", content: pairJson },
		...problemResponses(400, 401, 413, 415, 429, 503),
	},
});

const refresh = createRoute({
	method: "post",
	path: "/auth/refresh",
	operationId: "refreshToken",
	tags: ["Auth"],
	summary: "Swap a refresh token for a new token pair",
	description:
		"The refresh token sent is spent: the answer carries the next one. Sending a spent " +
		"token again ends its whole session (reuse detection, RFC 9700 section 4.14) and " +
		"answers 401; so does every one of several concurrent refreshes with one token but " +
		"the first, so a client refreshes one at a time. No password check and no database " +
		"write beyond the user's own session store.",
	security: [],
	request: {
		body: { required: true, content: { "application/json": { schema: RefreshSchema } } },
	},
	responses: {
		200: { description: "OK", content: pairJson },
		...problemResponses(400, 401, 413, 415, 429, 503),
	},
});

const logout = createRoute({
	method: "post",
	path: "/auth/logout",
	operationId: "logout",
	tags: ["Auth"],
	summary: "End the session a refresh token belongs to",
	description:
		"Its refresh token and its access tokens stop working at once. Answers 204 for a " +
		"token of no live session too, so a repeated logout is harmless.",
	security: [],
	request: {
		body: { required: true, content: { "application/json": { schema: RefreshSchema } } },
	},
	responses: {
		204: { description: "Logged out" },
		...problemResponses(400, 413, 415, 429, 503),
	},
});

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid })
	.openapi(login, async (c) => {
		const { username, password } = c.req.valid("json");
		// Before the password check, so a missing secret does not tell good
		// credentials (503) from bad ones (401), and guesses past the limit
		// are not checked at all.
		signingSecret(c.env);
		await limitLogin(c, username);
		const started = await callService("user", () =>
			c.env.USER_SERVICE.logIn(callContext(c), username, password),
		);
		// One answer for unknown user and wrong password.
		if (!started.ok) throw new ApiError("invalid_credentials", "Invalid username or password");
		const { user, session } = started.value;
		return c.json(await tokenPair(c.env, user.id, session), 200);
	})
	.openapi(refresh, async (c) => {
		signingSecret(c.env);
		await limitRefresh(c);
		const { refreshToken } = c.req.valid("json");
		const rotated = await callService("user", () =>
			c.env.USER_SERVICE.refresh(callContext(c), refreshToken),
		);
		if (!rotated.ok) {
			throw new ApiError(
				"invalid_refresh_token",
				rotated.error === "refresh_token_reused"
					? "This refresh token was already used; its session has ended. Log in again"
					: "The refresh token is unknown, expired or ended; log in again",
			);
		}
		const { userId, session } = rotated.value;
		return c.json(await tokenPair(c.env, userId, session), 200);
	})
	.openapi(logout, async (c) => {
		await limitRefresh(c);
		const { refreshToken } = c.req.valid("json");
		await callService("user", () => c.env.USER_SERVICE.logOut(callContext(c), refreshToken));
		return c.body(null, 204);
	});

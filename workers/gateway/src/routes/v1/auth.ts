import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { printable } from "../../../../../shared/text";
import { issueAccessToken, signingSecret, TOKEN_TTL_SECONDS } from "../../auth/tokens";
import { callContext, callService } from "../../call-service";
import type { AppEnv } from "../../env";
import { BookmarkRequestHeader } from "../../middleware/d1-bookmark";
import { ApiError, problemResponses, rejectInvalid } from "../../problems";
import { limitLogin } from "../../rate-limits";

/**
 * Looser than registration so users registered through the tutorial's
 * `/register` (which takes these same fields: any printable name, passwords
 * like "pass123") can log in too.
 */
export const LoginFields = {
	username: printable(z.string().max(255)),
	password: z.string().min(1).max(1024),
};

const LoginSchema = z.strictObject(LoginFields).meta({ id: "Login" });

const TokenSchema = z
	.object({
		accessToken: z.string(),
		tokenType: z.literal("Bearer"),
		expiresIn: z.number().int().meta({ example: TOKEN_TTL_SECONDS }),
	})
	.meta({ id: "AccessToken" });

const login = createRoute({
	method: "post",
	path: "/auth/login",
	operationId: "login",
	tags: ["Auth"],
	summary: "Exchange username and password for an access token",
	security: [],
	request: {
		headers: z.object(BookmarkRequestHeader),
		body: { required: true, content: { "application/json": { schema: LoginSchema } } },
	},
	responses: {
		200: { description: "OK", content: { "application/json": { schema: TokenSchema } } },
		...problemResponses(400, 401, 413, 415, 429, 503),
	},
});

export const authRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid }).openapi(
	login,
	async (c) => {
		const { username, password } = c.req.valid("json");
		// Before the password check, so a missing secret does not tell good
		// credentials (503) from bad ones (401), and guesses past the limit
		// are not checked at all.
		signingSecret(c.env);
		await limitLogin(c, username);
		const verified = await callService("user", () =>
			c.env.USER_SERVICE.verifyCredentials(callContext(c), username, password),
		);
		// One answer for unknown user and wrong password.
		if (!verified.ok) throw new ApiError("unauthorized", "Invalid username or password");
		const { user, tokenKey } = verified.value;
		return c.json(await issueAccessToken(c.env, { userId: user.id, tokenKey }), 200);
	},
);

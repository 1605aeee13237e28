import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { SessionListSchema } from "#shared/contracts/sessions";
import { lengthBetween } from "#shared/contracts/text";
import { UserSchema } from "#shared/contracts/users";
import { signingSecret } from "../../auth/tokens";
import { callContext, callService } from "../../call-service";
import type { AppEnv, AuthedEnv } from "../../env";
import {
	BOOKMARK_HEADER,
	BookmarkRequestHeader,
	BookmarkResponseHeader,
} from "../../middleware/d1-bookmark";
import { requireUser, tokenNoLongerValid } from "../../middleware/require-user";
import { ApiError, problemResponses, rejectInvalid } from "../../problems";
import { limitPasswordCheck, limitRegistration } from "../../rate-limits";
import { LoginFields } from "../credentials";
import { TokenPairSchema, tokenPair } from "./auth";

const UsernameSchema = z
	.string()
	.regex(/^[A-Za-z0-9_.-]{3,32}$/, "3-32 letters, digits, '_', '.' or '-'")
	.meta({
		description: "3-32 ASCII letters, digits, `_`, `.` or `-`; unique without regard to case.",
		example: "alice",
	});

const PasswordSchema = lengthBetween(8, 128).meta({ example: "correct horse battery" });

// zod's own e-mail rule as a pattern, and no `format: email`: validators
// differ on what that format admits (one refuses a label ending in '-' that
// another takes), so the document would say more than the gateway checks.
const EmailSchema = z.string().max(254).regex(z.regexes.email, "must be an e-mail address").meta({
	description: "An e-mail address, as the pattern says; at most 254 characters.",
	example: "alice@example.com",
});

const CreateUserSchema = z
	.strictObject({
		username: UsernameSchema,
		password: PasswordSchema,
		email: EmailSchema.optional(),
	})
	.meta({
		id: "CreateUser",
		example: { username: "alice", password: "correct horse battery", email: "alice@example.com" },
	});

const createUser = createRoute({
	method: "post",
	path: "/users",
	operationId: "createUser",
	tags: ["Users"],
	summary: "Register a user",
	security: [],
	request: {
		body: { required: true, content: { "application/json": { schema: CreateUserSchema } } },
	},
	responses: {
		201: {
			description: "Created",
			headers: z.object({
				Location: z.string().meta({ example: "/api/v1/users/me" }),
				...BookmarkResponseHeader,
			}),
			content: { "application/json": { schema: UserSchema } },
		},
		...problemResponses(400, "username_taken", 413, 415, 429, 503),
	},
});

const me = createRoute({
	method: "get",
	path: "/users/me",
	operationId: "getCurrentUser",
	tags: ["Users"],
	summary: "The authenticated user",
	security: [{ bearerAuth: [] }],
	middleware: [requireUser()],
	request: { headers: z.object(BookmarkRequestHeader) },
	responses: {
		200: { description: "OK", content: { "application/json": { schema: UserSchema } } },
		...problemResponses(401, 503),
	},
});

const ChangePasswordSchema = z
	.strictObject({
		// As login takes it: accounts from the tutorial's /register have short ones.
		currentPassword: LoginFields.password,
		newPassword: PasswordSchema,
	})
	.meta({
		id: "ChangePassword",
		example: { currentPassword: "correct horse battery", newPassword: "staple battery horse" },
	});

const DeleteUserSchema = z
	.strictObject({ password: LoginFields.password })
	.meta({ id: "DeleteUser", example: { password: "correct horse battery" } });

const SessionIdParams = z.object({
	id: z
		.string()
		.regex(/^[0-9a-f]{32}$/, "a session id: 32 lower-case hex digits")
		.meta({
			param: { name: "id", in: "path" },
			description: "A session's id, as the session list gives it.",
			example: "9f2c4e0a1b3d5f7e9f2c4e0a1b3d5f7e",
		}),
});

const authed = { security: [{ bearerAuth: [] }], middleware: [requireUser()] };

const changePassword = createRoute({
	method: "put",
	path: "/users/me/password",
	operationId: "changePassword",
	tags: ["Users"],
	summary: "Change the password",
	description:
		"Needs the current password (rate limited like login, and 5 wrong ones a minute per " +
		"account). Every session ends, the " +
		"caller's too, and every access token issued before stops working; the answer is a " +
		"new token pair for a new session, so the caller stays logged in.",
	...authed,
	request: {
		body: { required: true, content: { "application/json": { schema: ChangePasswordSchema } } },
	},
	responses: {
		200: { description: "Changed", content: { "application/json": { schema: TokenPairSchema } } },
		...problemResponses(400, 401, 413, 415, 429, 503),
	},
});

const deleteMe = createRoute({
	method: "delete",
	path: "/users/me",
	operationId: "deleteCurrentUser",
	tags: ["Users"],
	summary: "Delete the account and everything it holds",
	description:
		"Needs the password: after 5 wrong ones in a minute the account answers 429 for the " +
		"rest of it. From the 204 on, the account's tokens " +
		"and refresh tokens are refused and its login fails; its orders and notifications are " +
		"erased by the deletion's event within seconds (docs/ACCOUNTS.md). Ids are never reused.",
	...authed,
	request: {
		body: { required: true, content: { "application/json": { schema: DeleteUserSchema } } },
	},
	responses: {
		204: { description: "Deleted" },
		...problemResponses(400, 401, 413, 415, 429, 503),
	},
});

const listSessions = createRoute({
	method: "get",
	path: "/users/me/sessions",
	operationId: "listSessions",
	tags: ["Sessions"],
	summary: "The caller's live sessions, most recently used first",
	description:
		"One per login that has not ended. `lastUsedAt` is its last login or refresh; " +
		"`current` marks the session of the access token sent.",
	...authed,
	responses: {
		200: { description: "OK", content: { "application/json": { schema: SessionListSchema } } },
		...problemResponses(401, 503),
	},
});

const endSession = createRoute({
	method: "delete",
	path: "/users/me/sessions/{id}",
	operationId: "endSession",
	tags: ["Sessions"],
	summary: "End one of the caller's sessions",
	description: "Its refresh token and access tokens stop working at once.",
	...authed,
	request: { params: SessionIdParams },
	responses: {
		204: { description: "Ended" },
		...problemResponses(400, 401, 404, 503),
	},
});

const endAllSessions = createRoute({
	method: "delete",
	path: "/users/me/sessions",
	operationId: "endAllSessions",
	tags: ["Sessions"],
	summary: "End every session, the caller's too (log out everywhere)",
	description: "Every refresh token and access token of the account stops working at once.",
	...authed,
	responses: {
		204: { description: "Ended" },
		...problemResponses(401, 503),
	},
});

/** The problem for each failure of a signed-in user's account call. */
const accountProblem = {
	invalid_session: tokenNoLongerValid,
	invalid_credentials: () => new ApiError("invalid_credentials", "The password is not right"),
	too_many_attempts: () =>
		new ApiError(
			"rate_limited",
			"Too many wrong passwords for this account; try again in 60 seconds",
			{
				retryAfterSeconds: 60,
			},
		),
	not_found: () => new ApiError("not_found", "No such session"),
};

export const userRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid }).openapi(
	createUser,
	async (c) => {
		await limitRegistration(c);
		const created = await callService("user", () =>
			c.env.USER_SERVICE.createUser(callContext(c), c.req.valid("json")),
		);
		if (!created.ok) throw new ApiError("username_taken", "That username is taken");
		const { user, bookmark } = created.value;
		c.header("Location", "/api/v1/users/me");
		if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
		return c.json(user, 201);
	},
);

export const meRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: rejectInvalid })
	.openapi(me, async (c) => {
		const user = await callService("user", () =>
			c.env.USER_SERVICE.getUser(callContext(c), c.var.principal),
		);
		if (!user) throw tokenNoLongerValid();
		return c.json(user, 200);
	})
	.openapi(changePassword, async (c) => {
		const { principal } = c.var;
		signingSecret(c.env);
		await limitPasswordCheck(c, principal.userId);
		const { currentPassword, newPassword } = c.req.valid("json");
		const changed = await callService("user", () =>
			c.env.USER_SERVICE.changePassword(callContext(c), principal, currentPassword, newPassword),
		);
		if (!changed.ok) throw accountProblem[changed.error]();
		return c.json(await tokenPair(c.env, principal.userId, changed.value.session), 200);
	})
	.openapi(deleteMe, async (c) => {
		const { principal } = c.var;
		const { password } = c.req.valid("json");
		const deleted = await callService("user", () =>
			c.env.USER_SERVICE.deleteAccount(callContext(c), principal, password),
		);
		if (!deleted.ok) throw accountProblem[deleted.error]();
		return c.body(null, 204);
	})
	.openapi(listSessions, async (c) => {
		const listed = await callService("user", () =>
			c.env.USER_SERVICE.listSessions(callContext(c), c.var.principal),
		);
		if (!listed.ok) throw accountProblem[listed.error]();
		return c.json({ sessions: listed.value }, 200);
	})
	.openapi(endSession, async (c) => {
		const { id } = c.req.valid("param");
		const ended = await callService("user", () =>
			c.env.USER_SERVICE.endSession(callContext(c), c.var.principal, id),
		);
		if (!ended.ok) throw accountProblem[ended.error]();
		return c.body(null, 204);
	})
	.openapi(endAllSessions, async (c) => {
		const ended = await callService("user", () =>
			c.env.USER_SERVICE.endAllSessions(callContext(c), c.var.principal),
		);
		if (!ended.ok) throw accountProblem[ended.error]();
		return c.body(null, 204);
	});

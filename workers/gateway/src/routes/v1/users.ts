import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { UserSchema } from "../../../../../shared/users";
import { callContext, callService } from "../../call-service";
import type { AppEnv, AuthedEnv } from "../../env";
import {
	BOOKMARK_HEADER,
	BookmarkRequestHeader,
	BookmarkResponseHeader,
} from "../../middleware/d1-bookmark";
import { requireUser, tokenNoLongerValid } from "../../middleware/require-user";
import { ApiError, problemResponses, rejectInvalid } from "../../problems";
import { limitRegistration } from "../../rate-limits";

const UsernameSchema = z
	.string()
	.regex(/^[A-Za-z0-9_.-]{3,32}$/, "3-32 letters, digits, '_', '.' or '-'")
	.meta({ example: "alice" });

const CreateUserSchema = z
	.strictObject({
		username: UsernameSchema,
		password: z.string().min(8).max(128).meta({ example: "correct horse battery" }),
		email: z.email().max(254).optional(),
	})
	.meta({ id: "CreateUser" });

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
			headers: z.object({ Location: z.string(), ...BookmarkResponseHeader }),
			content: { "application/json": { schema: UserSchema } },
		},
		...problemResponses(400, 409, 413, 415, 429, 503),
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

export const userRoutes = new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid }).openapi(
	createUser,
	async (c) => {
		await limitRegistration(c);
		const created = await callService("user", () =>
			c.env.USER_SERVICE.createUser(callContext(c), c.req.valid("json")),
		);
		if (!created.ok) throw new ApiError("conflict", "That username is taken");
		const { user, bookmark } = created.value;
		c.header("Location", "/api/v1/users/me");
		if (bookmark) c.header(BOOKMARK_HEADER, bookmark);
		return c.json(user, 201);
	},
);

export const meRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: rejectInvalid });
meRoutes.openapi(me, async (c) => {
	const user = await callService("user", () =>
		c.env.USER_SERVICE.getUser(callContext(c), c.var.principal),
	);
	if (!user) throw tokenNoLongerValid();
	return c.json(user, 200);
});

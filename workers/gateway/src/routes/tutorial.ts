import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { SkuSchema } from "#shared/contracts/orders";
import { callContext, callService } from "../call-service";
import type { AppEnv } from "../env";
import { BOOKMARK_HEADER, BookmarkResponseHeader } from "../middleware/d1-bookmark";
import { problemResponses } from "../problems";
import { limitOrders, limitRegistration } from "../rate-limits";
import { LoginFields } from "./credentials";

// The tutorial's three routes, byte-compatible with its Flask services so its
// curl walkthrough works unchanged. They keep the tutorial's loose input rules
// (unknown fields are ignored); API v1 is the strict interface.

/** The tag of the tutorial's operations: the document lists them only where SEED_ROUTES serves them. */
export const TUTORIAL_TAG = "Tutorial";

const Message = z.object({ message: z.string() });
const ErrorBody = z.object({ error: z.string() });

/** A tutorial response's JSON: its schema, and the one body it answers with. */
const json = (schema: typeof Message | typeof ErrorBody, example: object) => ({
	"application/json": { schema, example },
});

const REGISTER_INVALID = { message: "Bad Request: Missing username or password" };
const CREATE_ORDER_INVALID = {
	error: "Bad Request: user_id must be an integer and items a list of 1-100 item names",
};
const USER_NOT_FOUND = { error: "User not found" };
const INVALID_USER = { error: "Invalid user" };

/** The tutorial's 400 body for each route, also used when the body is not JSON at all. */
const invalidBody: Record<string, object> = {
	"/register": REGISTER_INVALID,
	"/create_order": CREATE_ORDER_INVALID,
};

const register = createRoute({
	method: "post",
	path: "/register",
	operationId: "tutorialRegister",
	tags: [TUTORIAL_TAG],
	summary: "Register a user (tutorial)",
	security: [],
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					// What a v1 login accepts, so every tutorial user can log in.
					schema: z.object(LoginFields),
					example: { username: "alice", password: "pass123" },
				},
			},
		},
	},
	responses: {
		201: {
			description: "Created",
			headers: z.object(BookmarkResponseHeader),
			content: json(Message, { message: "User created" }),
		},
		400: {
			description:
				"A field missing, not a string, or breaking its rule; or a body that is not JSON",
			content: json(Message, REGISTER_INVALID),
		},
		409: {
			description: "Username taken, in any case",
			content: json(Message, { message: "Username already exists" }),
		},
		...problemResponses(413, 429, 503),
	},
});

const validateUser = createRoute({
	method: "get",
	path: "/validate_user/{user_id}",
	operationId: "tutorialValidateUser",
	tags: [TUTORIAL_TAG],
	summary: "Check that a user exists (tutorial)",
	security: [],
	request: {
		params: z.object({
			user_id: z
				.string()
				.regex(/^[0-9]+$/)
				.meta({
					param: { name: "user_id", in: "path" },
					description: "Decimal digits; anything else names no user (404).",
					example: "1",
				}),
		}),
	},
	responses: {
		200: { description: "Exists", content: json(Message, { message: "User is valid" }) },
		404: {
			description: "No such user, or a user_id that is not decimal digits",
			content: json(ErrorBody, USER_NOT_FOUND),
		},
		...problemResponses(503),
	},
});

const createOrder = createRoute({
	method: "post",
	path: "/create_order",
	operationId: "tutorialCreateOrder",
	tags: [TUTORIAL_TAG],
	summary: "Create an order for a user (tutorial)",
	security: [],
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.object({
						// zod's int() is a safe integer; the document says so.
						user_id: z
							.number()
							.int()
							.meta({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
						items: z.array(SkuSchema).min(1).max(100),
					}),
					example: { user_id: 1, items: ["book-1", "pen"] },
				},
			},
		},
	},
	responses: {
		201: { description: "Created", content: json(Message, { message: "Order created" }) },
		400: {
			description: "A field missing or breaking its rule, or a body that is not JSON",
			content: json(ErrorBody, CREATE_ORDER_INVALID),
		},
		401: {
			description: "No user with that user_id",
			content: json(ErrorBody, INVALID_USER),
		},
		...problemResponses(413, 429, 503),
	},
});

/** A user id the D1 integer key could hold, else null (such a user cannot exist). */
function storedUserId(id: number | string): number | null {
	const n = Number(id);
	return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

// SEED_ROUTES is read per request so one build serves every environment.
const enabled: MiddlewareHandler<AppEnv> = async (c, next) => {
	if (c.env.SEED_ROUTES !== "on") return c.notFound();
	await next();
};

/**
 * Flask's jsonify ends the compact JSON it writes (outside debug mode) with a
 * newline; Hono's c.json does not. The tutorial's own bodies get it, so they
 * are the bytes Flask sent; its problem documents (413, 429, 503) are v1's.
 */
const likeFlask: MiddlewareHandler<AppEnv> = async (c, next) => {
	await next();
	if (c.res.headers.get("Content-Type")?.startsWith("application/json")) {
		c.res = new Response(`${await c.res.text()}\n`, c.res);
	}
};

export const tutorialRoutes = new OpenAPIHono<AppEnv>();

for (const path of ["/register", "/validate_user/*", "/create_order"])
	tutorialRoutes.use(path, enabled, likeFlask);

tutorialRoutes.openapi(
	register,
	async (c) => {
		const { username, password } = c.req.valid("json");
		await limitRegistration(c);
		const created = await callService("user", () =>
			c.env.USER_SERVICE.createUser(callContext(c), { username, password }),
		);
		if (!created.ok) return c.json({ message: "Username already exists" }, 409);
		if (created.value.bookmark) c.header(BOOKMARK_HEADER, created.value.bookmark);
		return c.json({ message: "User created" }, 201);
	},
	(result, c) => (result.success ? undefined : c.json(REGISTER_INVALID, 400)),
);

tutorialRoutes.openapi(
	validateUser,
	async (c) => {
		const id = storedUserId(c.req.valid("param").user_id);
		if (id === null) return c.json(USER_NOT_FOUND, 404);
		const exists = await callService("user", () =>
			c.env.USER_SERVICE.isValidUser(callContext(c), { userId: id, sessionId: null }),
		);
		return exists ? c.json({ message: "User is valid" }, 200) : c.json(USER_NOT_FOUND, 404);
	},
	// Flask's <int:user_id> matched digits only; anything else was not found.
	(result, c) => (result.success ? undefined : c.json(USER_NOT_FOUND, 404)),
);

tutorialRoutes.openapi(
	createOrder,
	async (c) => {
		const body = c.req.valid("json");
		const userId = storedUserId(body.user_id);
		if (userId === null) return c.json(INVALID_USER, 401);
		await limitOrders(c, userId);
		const items = body.items.map((sku) => ({ sku, quantity: 1 }));
		const created = await callService("order", () =>
			c.env.ORDER_SERVICE.createOrder(callContext(c), { userId, sessionId: null }, items),
		);
		return created.ok ? c.json({ message: "Order created" }, 201) : c.json(INVALID_USER, 401);
	},
	(result, c) => (result.success ? undefined : c.json(CREATE_ORDER_INVALID, 400)),
);

// A body that is not JSON (malformed, or another content type) fails before
// the hooks above run; the tutorial answered both with its 400.
tutorialRoutes.onError((error, c) => {
	const invalid = invalidBody[c.req.path];
	const unreadable = error instanceof HTTPException && [400, 415].includes(error.status);
	if (unreadable && invalid) return c.json(invalid, 400);
	throw error;
});

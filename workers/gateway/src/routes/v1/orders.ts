import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { OrderItemsSchema, OrderPageSchema, OrderSchema } from "#shared/contracts/orders";
import { callContext, callService } from "../../call-service";
import type { AuthedEnv } from "../../env";
import { BookmarkRequestHeader } from "../../middleware/d1-bookmark";
import { requireUser, tokenNoLongerValid } from "../../middleware/require-user";
import { ApiError, problemResponses, rejectInvalid, unknownCursor } from "../../problems";
import { limitOrders } from "../../rate-limits";
import { PageQuerySchema } from "./page-query";

const CreateOrderSchema = z
	.strictObject({ items: OrderItemsSchema })
	.meta({ id: "CreateOrder", example: { items: [{ sku: "book-1", quantity: 2 }] } });

// zod's own UUID rule (versions 1-8 and the nil and max UUIDs, either case),
// which the document states as a pattern: `format: uuid` alone lets a
// validator take any 32 hex digits, or a `urn:uuid:` prefix.
const OrderIdParams = z.object({
	id: z.uuid().meta({
		param: { name: "id", in: "path" },
		pattern: z.regexes.uuid().source,
		description: "The order's id, in either case.",
		example: "0b5f3c9e-6d0a-4c1e-9f3b-2a7d8e4c1b90",
	}),
});

/**
 * An Idempotency-Key is 1-255 visible ASCII characters, with spaces inside
 * but not at either end: what an HTTP field value carries intact (RFC 9110,
 * section 5.5, strips the spaces at its ends and calls other bytes obsolete).
 */
const IDEMPOTENCY_KEY = /^[\x21-\x7E](?:[\x20-\x7E]{0,253}[\x21-\x7E])?$/;

const IdempotencyKeyHeader = z
	.string()
	.regex(IDEMPOTENCY_KEY, "1-255 visible ASCII characters, spaces only inside")
	.meta({
		minLength: 1,
		maxLength: 255,
		description:
			"1-255 visible ASCII characters, spaces allowed inside. A retry with the same key " +
			"within 24 hours replays the first response; with another body it is a 422.",
		example: "order-2026-001",
	})
	.optional();

/**
 * The order id as the order worker stores it: a UUID in lower case. A UUID
 * is the same in either case (RFC 9562), so an upper-case one names the
 * same order.
 */
const orderIdOf = ({ id }: { id: string }) => id.toLowerCase();

/** Counts the request against its user's order limit (see rate-limits.ts). */
const perUserLimit: MiddlewareHandler<AuthedEnv> = async (c, next) => {
	await limitOrders(c, c.var.principal.userId);
	await next();
};

// Authentication is per route (not `use("/orders/*")`) so it runs exactly
// once per request and an unknown path stays a 404.
const authed = { security: [{ bearerAuth: [] }], middleware: [requireUser(), perUserLimit] };
const orderJson = { "application/json": { schema: OrderSchema } };

const createOrder = createRoute({
	method: "post",
	path: "/orders",
	operationId: "createOrder",
	tags: ["Orders"],
	summary: "Place an order",
	description:
		"With an `Idempotency-Key`, a retry within 24 hours replays the first response " +
		"(with `Idempotent-Replayed: true`) instead of placing a second order.",
	...authed,
	request: {
		headers: z.object({
			"idempotency-key": IdempotencyKeyHeader,
			...BookmarkRequestHeader,
		}),
		body: { required: true, content: { "application/json": { schema: CreateOrderSchema } } },
	},
	responses: {
		201: {
			description: "Created, or the replay of an earlier create with the same key",
			headers: z.object({
				Location: z
					.string()
					.meta({ example: "/api/v1/orders/0b5f3c9e-6d0a-4c1e-9f3b-2a7d8e4c1b90" }),
				"Idempotent-Replayed": z
					.literal("true")
					.optional()
					.meta({ description: "Only on a replay.", example: "true" }),
			}),
			content: orderJson,
		},
		...problemResponses(400, 401, 413, 415, 422, 429, 503),
	},
});

const listOrders = createRoute({
	method: "get",
	path: "/orders",
	operationId: "listOrders",
	tags: ["Orders"],
	summary: "The caller's orders, newest first",
	...authed,
	request: {
		query: PageQuerySchema,
		headers: z.object(BookmarkRequestHeader),
	},
	responses: {
		200: { description: "OK", content: { "application/json": { schema: OrderPageSchema } } },
		...problemResponses(400, 401, 429, 503),
	},
});

const getOrder = createRoute({
	method: "get",
	path: "/orders/{id}",
	operationId: "getOrder",
	tags: ["Orders"],
	summary: "One of the caller's orders",
	...authed,
	request: { params: OrderIdParams, headers: z.object(BookmarkRequestHeader) },
	responses: {
		200: { description: "OK", content: orderJson },
		...problemResponses(400, 401, 404, 429, 503),
	},
});

const cancelOrder = createRoute({
	method: "post",
	path: "/orders/{id}/cancel",
	operationId: "cancelOrder",
	tags: ["Orders"],
	summary: "Cancel one of the caller's orders",
	...authed,
	request: { params: OrderIdParams, headers: z.object(BookmarkRequestHeader) },
	responses: {
		200: { description: "Cancelled", content: orderJson },
		...problemResponses(400, 401, 404, "order_already_cancelled", 429, 503),
	},
});

/** The problem for each failure the order service returns. */
const orderProblem = {
	invalid_user: tokenNoLongerValid,
	not_found: () => new ApiError("not_found", "No such order"),
	already_cancelled: () =>
		new ApiError("order_already_cancelled", "The order is already cancelled"),
	invalid_cursor: unknownCursor,
	idempotency_key_reused: () =>
		new ApiError("idempotency_key_reused", "This Idempotency-Key was used with another body"),
};

export const orderRoutes = new OpenAPIHono<AuthedEnv>({ defaultHook: rejectInvalid });

orderRoutes.openapi(createOrder, async (c) => {
	const { items } = c.req.valid("json");
	const key = c.req.valid("header")["idempotency-key"];
	const created = await callService("order", () =>
		c.env.ORDER_SERVICE.createOrder(callContext(c), c.var.principal, items, key),
	);
	if (!created.ok) throw orderProblem[created.error]();
	const { order, replayed } = created.value;
	c.header("Location", `/api/v1/orders/${order.id}`);
	if (replayed) c.header("Idempotent-Replayed", "true");
	return c.json(order, 201);
});

orderRoutes.openapi(listOrders, async (c) => {
	const page = await callService("order", () =>
		c.env.ORDER_SERVICE.listOrders(callContext(c), c.var.principal, c.req.valid("query")),
	);
	if (!page.ok) throw orderProblem[page.error]();
	return c.json(page.value, 200);
});

orderRoutes.openapi(getOrder, async (c) => {
	const order = await callService("order", () =>
		c.env.ORDER_SERVICE.getOrder(callContext(c), c.var.principal, orderIdOf(c.req.valid("param"))),
	);
	if (!order.ok) throw orderProblem[order.error]();
	return c.json(order.value, 200);
});

orderRoutes.openapi(cancelOrder, async (c) => {
	const cancelled = await callService("order", () =>
		c.env.ORDER_SERVICE.cancelOrder(
			callContext(c),
			c.var.principal,
			orderIdOf(c.req.valid("param")),
		),
	);
	if (!cancelled.ok) throw orderProblem[cancelled.error]();
	return c.json(cancelled.value, 200);
});

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { NotificationPageSchema } from "#shared/contracts/notifications";
import { callContext, callService } from "../../call-service";
import type { AuthedEnv } from "../../env";
import { BookmarkRequestHeader } from "../../middleware/d1-bookmark";
import { requireUser, tokenNoLongerValid } from "../../middleware/require-user";
import { problemResponses, rejectInvalid, unknownCursor } from "../../problems";
import { PageQuerySchema } from "./page-query";

const listNotifications = createRoute({
	method: "get",
	path: "/users/me/notifications",
	operationId: "listNotifications",
	tags: ["Users"],
	summary: "The caller's notifications, newest first",
	description:
		"A `welcome` after registration and an `order_confirmation` for each order, each " +
		"recorded once by the task queue's consumer, usually within a second or two.",
	security: [{ bearerAuth: [] }],
	middleware: [requireUser()],
	request: { query: PageQuerySchema, headers: z.object(BookmarkRequestHeader) },
	responses: {
		200: {
			description: "OK",
			content: { "application/json": { schema: NotificationPageSchema } },
		},
		...problemResponses(400, 401, 503),
	},
});

export const notificationRoutes = new OpenAPIHono<AuthedEnv>({
	defaultHook: rejectInvalid,
}).openapi(listNotifications, async (c) => {
	const page = await callService("user", () =>
		c.env.USER_SERVICE.listNotifications(callContext(c), c.var.principal, c.req.valid("query")),
	);
	if (!page.ok) throw page.error === "invalid_user" ? tokenNoLongerValid() : unknownCursor();
	return c.json(page.value, 200);
});

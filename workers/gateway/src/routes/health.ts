import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { callContext, callService, type ServiceName } from "../call-service";
import type { AppEnv } from "../env";
import { RETRY_AFTER_SECONDS, retryAfterHeader } from "../problems";

/** A health check must answer well inside a load balancer's own timeout. */
const PING_TIMEOUT_MS = 2_000;

const ServiceHealthSchema = z.object({
	status: z.enum(["ok", "unavailable"]),
	latencyMs: z.number().int(),
});

const HealthSchema = z
	.object({
		status: z.enum(["ok", "degraded"]),
		services: z.object({ user: ServiceHealthSchema, order: ServiceHealthSchema }),
	})
	.meta({
		id: "Health",
		example: {
			status: "ok",
			services: { user: { status: "ok", latencyMs: 3 }, order: { status: "ok", latencyMs: 4 } },
		},
	});

const health = createRoute({
	method: "get",
	path: "/health",
	operationId: "getHealth",
	tags: ["Health"],
	summary: "Whether the gateway reaches the user and order services",
	security: [],
	responses: {
		200: {
			description: "All services answer",
			content: { "application/json": { schema: HealthSchema } },
		},
		503: {
			description: "A service is unavailable or slow: the health report, not a problem document",
			headers: z.object(retryAfterHeader(RETRY_AFTER_SECONDS)),
			content: {
				"application/json": {
					schema: HealthSchema,
					example: {
						status: "degraded",
						services: {
							user: { status: "ok", latencyMs: 3 },
							order: { status: "unavailable", latencyMs: 2001 },
						},
					},
				},
			},
		},
	},
});

async function probe(service: ServiceName, ping: () => Promise<unknown>) {
	const started = Date.now();
	const ok = await callService(service, ping, PING_TIMEOUT_MS).then(
		() => true,
		() => false,
	);
	return {
		status: ok ? ("ok" as const) : ("unavailable" as const),
		latencyMs: Date.now() - started,
	};
}

export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(health, async (c) => {
	const call = callContext(c);
	const [user, order] = await Promise.all([
		probe("user", () => c.env.USER_SERVICE.ping(call)),
		probe("order", () => c.env.ORDER_SERVICE.ping(call)),
	]);
	const healthy = user.status === "ok" && order.status === "ok";
	const body = {
		status: healthy ? ("ok" as const) : ("degraded" as const),
		services: { user, order },
	};
	if (healthy) return c.json(body, 200);
	c.header("Retry-After", String(RETRY_AFTER_SECONDS));
	return c.json(body, 503);
});

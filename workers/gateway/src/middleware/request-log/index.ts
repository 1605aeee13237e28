import type { MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";
import { logLine, traceIdOf } from "../../../../../shared/log";
import type { TraceContextVariables } from "../trace-context";

/** One JSON line per request, written after the response is settled. */
export const requestLog =
	(service: string): MiddlewareHandler<{ Variables: RequestIdVariables & TraceContextVariables }> =>
	async (c, next) => {
		const started = Date.now();
		await next();
		logLine({
			service,
			requestId: c.var.requestId,
			traceId: traceIdOf(c.var.traceparent),
			method: c.req.method,
			route: routePath(c),
			status: c.res.status,
			durationMs: Date.now() - started,
		});
	};

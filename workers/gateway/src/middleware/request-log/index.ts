import type { MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";
import { logLine, safeErrorMessage } from "#shared/kit/log";
import { recordPoint } from "#shared/kit/metrics";
import { spanFields } from "#shared/kit/trace";
import { asApiError, PROBLEMS } from "../../problems";
import type { TraceContextVariables } from "../trace-context";

/** What the request's line says about an error the error handler answered. */
function failureFields(error: Error): Record<string, unknown> {
	const known = asApiError(error);
	// A client error is told by its status; only server-side trouble needs words.
	if (known && PROBLEMS[known.code].status < 500) return {};
	if (known) {
		const cause = known.cause === undefined ? {} : { cause: safeErrorMessage(known.cause) };
		return { level: "warn", error: known.message, ...cause };
	}
	return { level: "error", error: safeErrorMessage(error), stack: error.stack };
}

/**
 * One JSON line and one data point (METRICS, see shared/kit/metrics.ts) per
 * request, errors included, written after the response is settled.
 */
export const requestLog =
	(
		service: string,
	): MiddlewareHandler<{
		Bindings: { METRICS?: AnalyticsEngineDataset };
		Variables: RequestIdVariables & TraceContextVariables;
	}> =>
	async (c, next) => {
		const started = Date.now();
		await next();
		const route = routePath(c);
		const durationMs = Date.now() - started;
		logLine({
			service,
			requestId: c.var.requestId,
			...spanFields(c.var.span),
			method: c.req.method,
			route,
			status: c.res.status,
			durationMs,
			...(c.error ? failureFields(c.error) : {}),
		});
		recordPoint(c.env.METRICS, {
			service,
			operation: `${c.req.method} ${route}`,
			kind: "request",
			outcome: `${Math.floor(c.res.status / 100)}xx`,
			durationMs,
			...(c.res.headers.get("Idempotent-Replayed") === "true" && { flag: "replay" as const }),
		});
	};

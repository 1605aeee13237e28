import type { MiddlewareHandler } from "hono";
import type { RequestIdVariables } from "hono/request-id";
import { routePath } from "hono/route";
import { logLine, safeErrorMessage } from "../../../../../shared/log";
import { spanFields } from "../../../../../shared/trace";
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

/** One JSON line per request, errors included, written after the response is settled. */
export const requestLog =
	(service: string): MiddlewareHandler<{ Variables: RequestIdVariables & TraceContextVariables }> =>
	async (c, next) => {
		const started = Date.now();
		await next();
		logLine({
			service,
			requestId: c.var.requestId,
			...spanFields(c.var.span),
			method: c.req.method,
			route: routePath(c),
			status: c.res.status,
			durationMs: Date.now() - started,
			...(c.error ? failureFields(c.error) : {}),
		});
	};

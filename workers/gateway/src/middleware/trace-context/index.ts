import type { MiddlewareHandler } from "hono";
import { type Span, startSpan } from "#shared/kit/trace";

export type TraceContextVariables = { span: Span };

/**
 * Starts or continues a W3C trace: the request is a span of the caller's
 * trace when its `traceparent` is valid, else the root of a new one. RPC
 * calls carry `c.var.span.traceparent`, so every worker's lines join the trace.
 */
export const traceContext =
	(): MiddlewareHandler<{ Variables: TraceContextVariables }> => async (c, next) => {
		c.set("span", startSpan(c.req.header("traceparent")));
		await next();
	};

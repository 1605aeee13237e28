import type { MiddlewareHandler } from "hono";
import { toHex } from "../../../../../shared/hex";

export type TraceContextVariables = { traceparent: string };

// version-traceid-parentid-flags, lower-case hex (W3C Trace Context level 1).
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

function randomHex(bytes: number): string {
	return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The `traceparent` of this hop: the caller's trace id when valid, a new span id always. */
function childTraceparent(incoming: string | undefined): string {
	const match = TRACEPARENT.exec(incoming ?? "");
	const traceId = match?.[1];
	const parentId = match?.[2];
	const continued = traceId && traceId !== ZERO_TRACE && parentId !== ZERO_SPAN;
	return `00-${continued ? traceId : randomHex(16)}-${randomHex(8)}-${continued ? match?.[3] : "01"}`;
}

/**
 * Starts or continues a W3C trace. Downstream calls carry `c.var.traceparent`
 * so logs from every worker share one trace id.
 */
export const traceContext =
	(): MiddlewareHandler<{ Variables: TraceContextVariables }> => async (c, next) => {
		c.set("traceparent", childTraceparent(c.req.header("traceparent")));
		await next();
	};

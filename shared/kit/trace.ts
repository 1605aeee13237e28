import { randomHex } from "./hex";

/**
 * One hop of a request (the gateway's request, an RPC call, a Durable Object
 * call, a queue message) in W3C trace context terms. Each hop logs its own
 * `spanId` and its caller's `parentSpanId` under the request's `traceId`, so
 * a request can be drawn as a tree from the log lines alone.
 */
export interface Span {
	traceId: string;
	spanId: string;
	/** The caller's span: absent where a trace starts. */
	parentSpanId?: string;
	/** This span as a `traceparent`, for the calls and events it makes. */
	traceparent: string;
}

// version-traceid-parentid-flags, lower-case hex (W3C Trace Context level 1).
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
const SAMPLED = "01";

/**
 * A new span under the caller's `traceparent`: the same trace, with the
 * caller's span as parent, when the header is valid; a new trace otherwise
 * (missing, malformed, or the all-zero ids the standard calls invalid).
 */
export function startSpan(traceparent: string | undefined): Span {
	const [, traceId, parentSpanId, flags] = TRACEPARENT.exec(traceparent ?? "") ?? [];
	const continued =
		traceId !== undefined &&
		parentSpanId !== undefined &&
		traceId !== ZERO_TRACE &&
		parentSpanId !== ZERO_SPAN;
	const spanId = randomHex(8);
	const span = continued
		? { traceId, spanId, parentSpanId, flags: flags ?? SAMPLED }
		: { traceId: randomHex(16), spanId, flags: SAMPLED };
	return {
		traceId: span.traceId,
		spanId,
		...(continued && { parentSpanId }),
		traceparent: `00-${span.traceId}-${spanId}-${span.flags}`,
	};
}

/** What a log line says of its span. */
export function spanFields({ traceId, spanId, parentSpanId }: Span) {
	return { traceId, spanId, ...(parentSpanId && { parentSpanId }) };
}

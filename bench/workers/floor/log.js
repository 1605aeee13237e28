// The architecture's floor, logging: what the design asks of every hop (one
// JSON line per request, RPC call, Durable Object call and event sent, with
// the request id and the hop's W3C span), written the cheapest way, with no
// library. The floor logs only when PLATFORM is "on".

/** @param {number} bytes */
const randomHex = (bytes) =>
	Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");

/**
 * A hop under the caller's `traceparent` (a new trace without one), and the
 * context it passes on.
 * @param {string} requestId
 * @param {string | undefined} traceparent
 */
export function hop(requestId, traceparent) {
	const [, traceId = randomHex(16), parentSpanId] = traceparent?.split("-") ?? [];
	const spanId = randomHex(8);
	return {
		started: Date.now(),
		ids: { requestId, traceId, spanId, ...(parentSpanId && { parentSpanId }) },
		context: { requestId, traceparent: `00-${traceId}-${spanId}-01` },
	};
}

/**
 * The hop's one line.
 * @param {ReturnType<typeof hop>} span
 * @param {Record<string, unknown>} fields
 */
export function logHop(span, fields) {
	console.log(
		JSON.stringify({
			time: new Date().toISOString(),
			...span.ids,
			...fields,
			durationMs: Date.now() - span.started,
		}),
	);
}

/**
 * Per-operation metrics in Workers Analytics Engine: one data point per
 * request, RPC call (Durable Object calls included) and queue message, for
 * the RED view (rate, errors, duration) per route. The layout, which the SQL
 * in docs/OPERATIONS.md ("Tracing, logs and metrics") reads:
 *
 *   index1  "<service>:<operation>" (the sampling key)
 *   blob1   service: gateway, user, order
 *   blob2   operation: a route pattern, an RPC method, a queue name
 *   blob3   kind: request, rpc, message
 *   blob4   outcome: 2xx/4xx/5xx for requests; ok, rejected (an expected
 *           failure returned as a value) or exception for RPC calls; ok,
 *           retry or dead_letter for messages
 *   blob5   flag: "replay" (an idempotent replay), "retry" (a message's
 *           second or later delivery), or ""
 *   double1 duration in milliseconds
 */
export interface MetricPoint {
	service: string;
	operation: string;
	kind: "request" | "rpc" | "message";
	outcome: string;
	durationMs: number;
	flag?: "replay" | "retry";
}

/** Who is measuring, and where the points go: a worker's METRICS binding. */
export interface Telemetry {
	service: string;
	metrics: AnalyticsEngineDataset | undefined;
}

// Analytics Engine takes an index of at most 96 bytes.
const MAX_INDEX_LENGTH = 96;

/**
 * Writes one data point. Analytics Engine buffers writes and sends them after
 * the response, so this costs no round trip; and a point that cannot be
 * written is dropped, never allowed to fail what it measures.
 */
export function recordPoint(metrics: AnalyticsEngineDataset | undefined, point: MetricPoint): void {
	try {
		metrics?.writeDataPoint({
			indexes: [`${point.service}:${point.operation}`.slice(0, MAX_INDEX_LENGTH)],
			blobs: [point.service, point.operation, point.kind, point.outcome, point.flag ?? ""],
			doubles: [point.durationMs],
		});
	} catch {
		// Metrics are best effort by design; the log line still records the operation.
	}
}

import type { CallContext } from "../contracts/rpc";
import { recordPoint, type Telemetry } from "./metrics";
import { spanFields, startSpan } from "./trace";

/**
 * One JSON line per request or RPC call, the shape Workers Logs indexes.
 * Callers pass ids and outcomes only: never a password, hash or token.
 */
export function logLine(fields: Record<string, unknown>): void {
	console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

/**
 * The log fields of work done for an event (its send, its delivery, its
 * dead letter): a span of the trace of the request that caused the event.
 */
export function eventFields(event: { eventId: string; requestId: string; traceparent: string }) {
	return {
		eventId: event.eventId,
		requestId: event.requestId,
		...spanFields(startSpan(event.traceparent)),
	};
}

/** An RPC result's status in its log line: "ok", or the expected failure it returns. */
function statusOf(value: unknown): string {
	if (typeof value === "object" && value !== null && "ok" in value && value.ok === false) {
		return "error" in value ? String(value.error) : "failed";
	}
	return "ok";
}

/**
 * An error's message, safe to log and to send across RPC. Drizzle puts the
 * failed SQL and its parameters (a password hash, say) in its message; the
 * driver's error underneath names the problem without them.
 */
export function safeErrorMessage(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	if (error.message.startsWith("Failed query:")) {
		return error.cause instanceof Error ? error.cause.message : "query failed";
	}
	return error.message;
}

/** One method call as a span of its caller's trace: what its log line says, and the context it passes on. */
function openHop(telemetry: Telemetry, method: string, call: CallContext) {
	const span = startSpan(call.traceparent);
	return {
		telemetry,
		method,
		started: Date.now(),
		line: {
			service: telemetry.service,
			requestId: call.requestId,
			...spanFields(span),
			rpc: method,
		},
		context: { ...call, traceparent: span.traceparent },
	};
}
type Hop = ReturnType<typeof openHop>;

/** One log line and one data point for the call. */
function record(hop: Hop, status: string, extra: Record<string, unknown> = {}): void {
	const durationMs = Date.now() - hop.started;
	logLine({ ...hop.line, status, durationMs, ...extra });
	recordPoint(hop.telemetry.metrics, {
		service: hop.telemetry.service,
		operation: hop.method,
		kind: "rpc",
		outcome: status === "ok" || status === "exception" ? status : "rejected",
		durationMs,
	});
}

function closeHop<T>(hop: Hop, value: T): T {
	record(hop, statusOf(value));
	return value;
}

/** Records the failure and returns what to throw: an error whose message is safe to cross RPC. */
function failHop(hop: Hop, error: unknown): Error {
	const message = safeErrorMessage(error);
	record(hop, "exception", { error: message });
	return new Error(`${hop.telemetry.service}.${hop.method} failed: ${message}`);
}

/**
 * Runs one RPC method as a span of the caller's trace, logs it as one line
 * under the caller's request id and records it as one data point, so a request can be followed from the
 * gateway into each worker. `run` gets this span's call context, to pass to
 * the calls and events it makes. A thrown error crosses RPC with its safe
 * message only.
 */
export async function loggedCall<T>(
	telemetry: Telemetry,
	method: string,
	call: CallContext,
	run: (call: CallContext) => T,
): Promise<Awaited<T>> {
	const hop = openHop(telemetry, method, call);
	try {
		return closeHop(hop, await run(hop.context));
	} catch (error) {
		throw failHop(hop, error);
	}
}

/**
 * loggedCall for a Durable Object's synchronous methods, which stay
 * synchronous so that each runs as one transaction.
 */
export function loggedSync<T>(
	telemetry: Telemetry,
	method: string,
	call: CallContext,
	run: (call: CallContext) => T,
): T {
	const hop = openHop(telemetry, method, call);
	try {
		return closeHop(hop, run(hop.context));
	} catch (error) {
		throw failHop(hop, error);
	}
}

import type { CallContext } from "./rpc";
import { spanFields, startSpan } from "./trace";

/**
 * One JSON line per request or RPC call, the shape Workers Logs indexes.
 * Callers pass ids and outcomes only: never a password, hash or token.
 */
export function logLine(fields: Record<string, unknown>): void {
	console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

function outcomeOf(value: unknown): string {
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
function openHop(service: string, method: string, call: CallContext) {
	const span = startSpan(call.traceparent);
	return {
		service,
		method,
		started: Date.now(),
		line: { service, requestId: call.requestId, ...spanFields(span), rpc: method },
		context: { requestId: call.requestId, traceparent: span.traceparent },
	};
}
type Hop = ReturnType<typeof openHop>;

function closeHop<T>(hop: Hop, value: T): T {
	logLine({ ...hop.line, status: outcomeOf(value), durationMs: Date.now() - hop.started });
	return value;
}

/** Logs the failure and returns what to throw: an error whose message is safe to cross RPC. */
function failHop(hop: Hop, error: unknown): Error {
	const message = safeErrorMessage(error);
	logLine({
		...hop.line,
		status: "exception",
		error: message,
		durationMs: Date.now() - hop.started,
	});
	return new Error(`${hop.service}.${hop.method} failed: ${message}`);
}

/**
 * Runs one RPC method as a span of the caller's trace and logs it as one
 * line under the caller's request id, so a request can be followed from the
 * gateway into each worker. `run` gets this span's call context, to pass to
 * the calls and events it makes. A thrown error crosses RPC with its safe
 * message only.
 */
export async function loggedCall<T>(
	service: string,
	method: string,
	call: CallContext,
	run: (call: CallContext) => T,
): Promise<Awaited<T>> {
	const hop = openHop(service, method, call);
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
	service: string,
	method: string,
	call: CallContext,
	run: (call: CallContext) => T,
): T {
	const hop = openHop(service, method, call);
	try {
		return closeHop(hop, run(hop.context));
	} catch (error) {
		throw failHop(hop, error);
	}
}

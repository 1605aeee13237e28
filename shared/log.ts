import type { CallContext } from "./rpc";

/**
 * One JSON line per request or RPC call, the shape Workers Logs indexes.
 * Callers pass ids and outcomes only: never a password, hash or token.
 */
export function logLine(fields: Record<string, unknown>): void {
	console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

/** The 32-hex trace id inside a W3C `traceparent`. */
export function traceIdOf(traceparent: string): string | undefined {
	return traceparent.split("-")[1];
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

/**
 * Runs one RPC method and logs it as one line under the caller's request id,
 * so a request can be followed from the gateway into each worker. A thrown
 * error crosses RPC with its safe message only.
 */
export async function loggedCall<T>(
	service: string,
	method: string,
	call: CallContext,
	run: () => T,
): Promise<Awaited<T>> {
	const started = Date.now();
	const line = {
		service,
		requestId: call.requestId,
		traceId: traceIdOf(call.traceparent),
		rpc: method,
	};
	try {
		const value = await run();
		logLine({ ...line, status: outcomeOf(value), durationMs: Date.now() - started });
		return value;
	} catch (error) {
		const message = safeErrorMessage(error);
		logLine({ ...line, status: "exception", error: message, durationMs: Date.now() - started });
		throw new Error(`${service}.${method} failed: ${message}`);
	}
}

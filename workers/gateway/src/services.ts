import type { Context } from "hono";
import type { CallContext } from "../../../shared/rpc";
import type { AppEnv } from "./app";

/** Below the design's 5 seconds, leaving room for the gateway's own work. */
export const RPC_TIMEOUT_MS = 4_000;

export type ServiceName = "user" | "order";

/** An internal worker failed or did not answer in time: a 503, never a 500. */
export class ServiceUnavailableError extends Error {
	constructor(
		readonly service: ServiceName,
		options?: ErrorOptions,
	) {
		super(`${service} service unavailable`, options);
		this.name = "ServiceUnavailableError";
	}
}

/** Calls an internal worker, turning a throw or a timeout into ServiceUnavailableError. */
export async function callService<T>(
	service: ServiceName,
	run: () => T,
	timeoutMs = RPC_TIMEOUT_MS,
): Promise<Awaited<T>> {
	let timer: ReturnType<typeof setTimeout> | null = null;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new ServiceUnavailableError(service, { cause: new Error("timed out") })),
			timeoutMs,
		);
	});
	try {
		return await Promise.race([run(), timeout]);
	} catch (error) {
		throw error instanceof ServiceUnavailableError
			? error
			: new ServiceUnavailableError(service, { cause: error });
	} finally {
		clearTimeout(timer);
	}
}

/** The ids every RPC call carries, so the callee logs under the same request and trace. */
export function callContext(c: Context<AppEnv>): CallContext {
	return { requestId: c.var.requestId, traceparent: c.var.traceparent };
}

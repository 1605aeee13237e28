import type { CallContext } from "#shared/contracts/rpc";
import { disposed } from "#shared/kit/dispose";
import type { Span } from "#shared/kit/trace";
import { ApiError } from "./problems";

/** Below the design's 5 seconds, leaving room for the gateway's own work. */
const RPC_TIMEOUT_MS = 4_000;
export type ServiceName = "user" | "order";

function unavailable(service: ServiceName, cause: unknown): ApiError {
	return new ApiError("service_unavailable", `The ${service} service is unavailable`, { cause });
}

/**
 * Calls an internal worker. A throw or no answer within the timeout becomes a
 * 503 problem: expected failures come back as values (see shared/contracts/rpc.ts), so
 * anything thrown means the service itself is failing. The result is disposed of
 * when it arrives, even after the timeout has answered for it.
 */
export async function callService<T>(
	service: ServiceName,
	run: () => T,
	timeoutMs = RPC_TIMEOUT_MS,
): Promise<Awaited<T>> {
	const call = (async () => run())();
	let timer: ReturnType<typeof setTimeout> | null = null;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			reject(unavailable(service, new Error("timed out")));
			call.then(disposed, () => undefined);
		}, timeoutMs);
	});
	try {
		return disposed(await Promise.race([call, timeout]));
	} catch (error) {
		throw error instanceof ApiError ? error : unavailable(service, error);
	} finally {
		if (timer !== null) clearTimeout(timer);
	}
}

/**
 * What every RPC call carries: the ids under which the callee logs (as a
 * child of this span), and the client's D1 bookmark, if it sent one.
 */
export function callContext(c: {
	var: { requestId: string; span: Span; bookmark: string | undefined };
}): CallContext {
	const { requestId, span, bookmark } = c.var;
	return { requestId, traceparent: span.traceparent, ...(bookmark && { bookmark }) };
}

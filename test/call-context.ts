import type { CallContext } from "#shared/contracts/rpc";

/** The ids a test passes as the caller of an RPC method, as the gateway would. */
export function testCall(requestId = "test-request"): CallContext {
	return { requestId, traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` };
}

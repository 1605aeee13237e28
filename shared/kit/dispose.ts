/**
 * Disposes of the result of an RPC call and returns it. The runtime attaches a
 * disposer to every object an RPC call returns, and the callee's side of the
 * call stays open until it runs (workerd warns "An RPC result was not
 * disposed properly"). The methods here return plain data, which stays usable.
 */
export function disposed<T>(value: T): T {
	if (typeof value === "object" && value !== null && Symbol.dispose in value) {
		(value as Disposable)[Symbol.dispose]();
	}
	return value;
}

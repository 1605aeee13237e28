/**
 * What the gateway passes with every RPC call, so the callee can log the
 * request it serves under the same ids.
 */
export interface CallContext {
	requestId: string;
	/** W3C trace context of the caller's span. */
	traceparent: string;
	/**
	 * The D1 bookmark of the client's last write, when the client sent one:
	 * the user worker's reads then see at least that write.
	 */
	bookmark?: string;
}

/**
 * The user an RPC call acts for. From API v1: the user id and the session of
 * a verified access token; the user worker checks that the session is still
 * live (not logged out, not ended by a password change or deletion), so a
 * token outlives neither its session nor its account. From the tutorial's
 * routes, which have no tokens: the user id as given (`sessionId: null`),
 * checked only to exist.
 */
export interface Principal {
	userId: number;
	sessionId: string | null;
}

/**
 * Errors thrown across RPC keep only their message, so expected failures are
 * classified inside the callee and returned as values instead.
 */
export type Result<T, E extends string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E extends string>(error: E): { ok: false; error: E } => ({ ok: false, error });

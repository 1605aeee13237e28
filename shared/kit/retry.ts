/**
 * Whether a platform error says the same call may succeed if made again: a
 * Durable Object that was reset or moved marks its error `retryable` (unless
 * it is `overloaded`, where another call only adds load), and D1 reports
 * its transient failures in the message.
 */
export function isRetryable(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const flags = error as Error & { retryable?: unknown; overloaded?: unknown };
	if (flags.overloaded === true) return false;
	if (flags.retryable === true) return true;
	return /Network connection lost|reset because its code was updated|storage caused object to be reset/i.test(
		error.message,
	);
}

/**
 * Runs a read, and runs it once more if the platform says that may work.
 * Only for reads and other calls that are safe to repeat: a write that
 * failed after it took effect would take effect twice.
 */
export async function retryReadOnce<T>(read: () => Promise<T>): Promise<T> {
	try {
		return await read();
	} catch (error) {
		if (!isRetryable(error)) throw error;
		return read();
	}
}

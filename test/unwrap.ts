/** The value of an ok Result; fails the test with the error otherwise. */
export function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
	if (!result.ok) throw new Error(`expected ok, got ${result.error}`);
	return result.value;
}

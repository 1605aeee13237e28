/**
 * A list cursor is the sequence number of the last item a page showed, in
 * base64 so clients pass it back rather than build it, with a prefix naming
 * the list. It is not signed and need not be: every list is read from the
 * caller's own rows, so a made-up cursor can only move within them.
 */
export function encodeCursor(list: string, seq: number): string {
	return btoa(`${list}:${seq}`);
}

/** The sequence number in a cursor of `list`, or null for anything else. */
export function decodeCursor(list: string, cursor: string): number | null {
	try {
		const [prefix, seq] = atob(cursor).split(":");
		return prefix === list && seq !== undefined && /^\d{1,15}$/.test(seq) ? Number(seq) : null;
	} catch {
		return null;
	}
}

/**
 * One page of a list read newest first with `limit + 1` rows: the rows to
 * show, and the cursor of the next page when the extra row says there is one.
 */
export function pageOf<Row extends { seq: number }>(list: string, rows: Row[], limit: number) {
	const shown = rows.slice(0, limit);
	const last = shown.at(-1);
	return {
		shown,
		nextCursor: rows.length > limit && last ? encodeCursor(list, last.seq) : null,
	};
}

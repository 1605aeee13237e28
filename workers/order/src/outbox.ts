import type { OrderCreated } from "#shared/contracts/events";
import type { OrdersDb } from "./orders";

/** One sendBatch: the queue takes at most 100 messages in one. */
export const SEND_BATCH = 100;
/** Sent events deleted per alarm at most, once past the retention. */
export const PRUNE_BATCH = 100;

/**
 * Puts `event` in the outbox; the caller's transaction writes it with its
 * order. One raw statement, as for the order itself (see insertOrder).
 */
export function addEvent(db: OrdersDb, event: OrderCreated, now: Date): void {
	db.$client.sql.exec(
		"INSERT INTO outbox (event_id, event, created_at) VALUES (?, ?, ?)",
		event.eventId,
		JSON.stringify(event),
		now.getTime(),
	);
}

/**
 * The oldest events still to send (index outbox_pending, which holds only
 * those). Raw SQL, as addEvent: under load the alarm runs every few orders,
 * so its queries are on the order path too.
 */
export function pendingEvents(db: OrdersDb): OrderCreated[] {
	return db.$client.sql
		.exec<{ event: string }>(
			"SELECT event FROM outbox WHERE sent_at IS NULL ORDER BY created_at LIMIT ?",
			SEND_BATCH,
		)
		.toArray()
		.map((row) => JSON.parse(row.event) as OrderCreated);
}

/** Marks events the queue has as sent at `sentAt`: they stay for the retention (OUTBOX_RETENTION_MS). */
export function markSent(db: OrdersDb, eventIds: string[], sentAt: number): void {
	if (eventIds.length === 0) return;
	const placeholders = eventIds.map(() => "?").join(", ");
	db.$client.sql.exec(
		`UPDATE outbox SET sent_at = ? WHERE event_id IN (${placeholders})`,
		sentAt,
		...eventIds,
	);
}

/** When the oldest sent event still kept was sent; null if none is (index outbox_sent). */
export function oldestSent(db: OrdersDb): number | null {
	const [row] = db.$client.sql
		.exec<{ sent_at: number }>(
			"SELECT sent_at FROM outbox WHERE sent_at IS NOT NULL ORDER BY sent_at LIMIT 1",
		)
		.toArray();
	return row?.sent_at ?? null;
}

/** Deletes up to PRUNE_BATCH events sent at or before `cutoff`, oldest first. */
export function pruneSent(db: OrdersDb, cutoff: number): void {
	db.$client.sql.exec(
		`DELETE FROM outbox WHERE event_id IN
			(SELECT event_id FROM outbox WHERE sent_at <= ? ORDER BY sent_at LIMIT ?)`,
		cutoff,
		PRUNE_BATCH,
	);
}

/** Marks every event sent from `since` to `until` (inclusive) unsent again; returns how many. */
export function markUnsent(db: OrdersDb, since: number, until: number): number {
	return db.$client.sql
		.exec(
			"UPDATE outbox SET sent_at = NULL WHERE sent_at >= ? AND sent_at <= ? RETURNING 1",
			since,
			until,
		)
		.toArray().length;
}

import type { OrderCreated } from "../../../shared/events";
import type { OrdersDb } from "./orders";

/** One sendBatch: the queue takes at most 100 messages in one. */
export const SEND_BATCH = 100;

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
 * The oldest events still to send. Raw SQL, as addEvent: under load the
 * alarm runs every few orders, so its queries are on the order path too.
 */
export function pendingEvents(db: OrdersDb): OrderCreated[] {
	return db.$client.sql
		.exec<{ event: string }>("SELECT event FROM outbox ORDER BY created_at LIMIT ?", SEND_BATCH)
		.toArray()
		.map((row) => JSON.parse(row.event) as OrderCreated);
}

/** Takes events the queue has out of the outbox. */
export function removeSent(db: OrdersDb, eventIds: string[]): void {
	if (eventIds.length === 0) return;
	const placeholders = eventIds.map(() => "?").join(", ");
	db.$client.sql.exec(`DELETE FROM outbox WHERE event_id IN (${placeholders})`, ...eventIds);
}

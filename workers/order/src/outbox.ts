import { asc, inArray } from "drizzle-orm";
import type { OrderCreated } from "../../../shared/events";
import { outbox } from "./db/schema";
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

/** The oldest events still to send. */
export function pendingEvents(db: OrdersDb): OrderCreated[] {
	return db
		.select({ event: outbox.event })
		.from(outbox)
		.orderBy(asc(outbox.createdAt))
		.limit(SEND_BATCH)
		.all()
		.map((row) => row.event);
}

/** Takes events the queue has out of the outbox. */
export function removeSent(db: OrdersDb, eventIds: string[]): void {
	db.delete(outbox).where(inArray(outbox.eventId, eventIds)).run();
}

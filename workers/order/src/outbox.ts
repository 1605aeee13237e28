import { asc, inArray, isNull, lt } from "drizzle-orm";
import type { OrderCreated } from "../../../shared/events";
import { outbox } from "./db/schema";
import type { OrdersDb } from "./orders";

/** Sent events are kept a day, to look into what was sent. */
const KEEP_SENT_MS = 24 * 60 * 60 * 1000;
/** One sendBatch: the queue takes at most 100 messages in one. */
export const SEND_BATCH = 100;

/** Puts `event` in the outbox; the caller's transaction writes it with its order. */
export function addEvent(db: OrdersDb, event: OrderCreated, now: Date): void {
	db.insert(outbox).values({ eventId: event.eventId, event, createdAt: now }).run();
}

/** The oldest events not sent yet. */
export function pendingEvents(db: OrdersDb, limit = SEND_BATCH): OrderCreated[] {
	return db
		.select({ event: outbox.event })
		.from(outbox)
		.where(isNull(outbox.sentAt))
		.orderBy(asc(outbox.createdAt))
		.limit(limit)
		.all()
		.map((row) => row.event);
}

/** Marks events sent, and forgets those sent a day ago. */
export function markSent(db: OrdersDb, eventIds: string[], now: Date): void {
	db.update(outbox).set({ sentAt: now }).where(inArray(outbox.eventId, eventIds)).run();
	db.delete(outbox)
		.where(lt(outbox.sentAt, new Date(now.getTime() - KEEP_SENT_MS)))
		.run();
}

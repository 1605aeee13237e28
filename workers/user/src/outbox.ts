import { asc, inArray, lte } from "drizzle-orm";
import type { TaskEvent } from "../../../shared/events";
import { taskQueueOf } from "../../../shared/task-queues";
import { outbox } from "./db/schema";
import type { UsersDb } from "./users";

/** Rows younger than this may still be in their first send, so the relay leaves them to it. */
const FIRST_SEND_GRACE_MS = 30_000;
/** Events per send: D1 binds at most 100 parameters per query, and removing sends one per event. */
const SEND_BATCH = 50;

/** Sends events to their users' tasks queues, then takes them out of the outbox. */
export async function sendEvents(db: UsersDb, queues: Queue[], events: TaskEvent[]): Promise<void> {
	if (events.length === 0) return;
	const byQueue = Map.groupBy(events, (event) => taskQueueOf(queues, event.userId));
	for (const [queue, batch] of byQueue) {
		await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
	}
	await db.delete(outbox).where(
		inArray(
			outbox.eventId,
			events.map((event) => event.eventId),
		),
	);
}

/**
 * The cron trigger's job: sends, oldest first, every event whose first send
 * failed. A send that succeeded but whose row was not removed goes again;
 * the consumer records each event once.
 */
export async function relayOutbox(db: UsersDb, queues: Queue[], now: Date): Promise<void> {
	const settled = new Date(now.getTime() - FIRST_SEND_GRACE_MS);
	for (;;) {
		const rows = await db
			.select({ event: outbox.event })
			.from(outbox)
			.where(lte(outbox.createdAt, settled))
			.orderBy(asc(outbox.createdAt))
			.limit(SEND_BATCH);
		await sendEvents(
			db,
			queues,
			rows.map((row) => row.event),
		);
		if (rows.length < SEND_BATCH) return;
	}
}

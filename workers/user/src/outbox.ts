import { and, asc, gte, inArray, isNull, lte } from "drizzle-orm";
import type { TaskEvent } from "#shared/contracts/events";
import { taskQueueOf } from "#shared/contracts/task-queues";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import { outbox } from "./db/schema";
import type { UsersDb } from "./users";

/** Rows younger than this may still be in their first send, so the relay leaves them to it. */
const FIRST_SEND_GRACE_MS = 30_000;
/** Events per send: D1 binds at most 100 parameters per query, and marking sends one per event. */
const SEND_BATCH = 50;
/** Sent events deleted per statement once past the retention, and statements per run. */
const PRUNE_BATCH = 500;
const PRUNE_ROUNDS = 10;

/**
 * Sends events to their users' tasks queues, then marks them sent: they
 * stay in the outbox for the retention (OUTBOX_RETENTION_MS), for a redrive.
 */
export async function sendEvents(db: UsersDb, queues: Queue[], events: TaskEvent[]): Promise<void> {
	if (events.length === 0) return;
	const sentAt = new Date();
	const byQueue = Map.groupBy(events, (event) => taskQueueOf(queues, event.userId));
	for (const [queue, batch] of byQueue) {
		await queue.sendBatch(batch.map((body) => ({ body, contentType: "json" as const })));
	}
	await db
		.update(outbox)
		.set({ sentAt })
		.where(
			inArray(
				outbox.eventId,
				events.map((event) => event.eventId),
			),
		);
}

/**
 * The cron trigger's job: sends, oldest first, every event still to send
 * (index outbox_pending): first sends that failed, and events a redrive
 * marked unsent. A send that succeeded but was not marked goes again; the
 * consumer records each event once. Returns how many it sent.
 */
export async function relayOutbox(db: UsersDb, queues: Queue[], now: Date): Promise<number> {
	const settled = new Date(now.getTime() - FIRST_SEND_GRACE_MS);
	let sent = 0;
	for (;;) {
		const rows = await db
			.select({ event: outbox.event })
			.from(outbox)
			.where(and(isNull(outbox.sentAt), lte(outbox.createdAt, settled)))
			.orderBy(asc(outbox.createdAt))
			.limit(SEND_BATCH);
		await sendEvents(
			db,
			queues,
			rows.map((row) => row.event),
		);
		sent += rows.length;
		if (rows.length < SEND_BATCH) return sent;
	}
}

/**
 * Deletes events sent more than the retention ago, oldest first (index
 * outbox_sent), at most PRUNE_ROUNDS × PRUNE_BATCH per run: a backlog
 * shrinks over a few runs rather than in one long one. Returns how many.
 */
export async function pruneOutbox(db: UsersDb, now: Date): Promise<number> {
	const cutoff = new Date(now.getTime() - OUTBOX_RETENTION_MS);
	let pruned = 0;
	for (let round = 0; round < PRUNE_ROUNDS; round += 1) {
		const expired = db
			.select({ eventId: outbox.eventId })
			.from(outbox)
			.where(lte(outbox.sentAt, cutoff))
			.orderBy(asc(outbox.sentAt))
			.limit(PRUNE_BATCH);
		const result = await db.delete(outbox).where(inArray(outbox.eventId, expired));
		pruned += result.meta.changes;
		if (result.meta.changes < PRUNE_BATCH) break;
	}
	return pruned;
}

/**
 * A redrive: marks every event sent from `since` to `until` unsent, one
 * UPDATE (index outbox_sent); the relay sends them again. Returns how many.
 */
export async function redriveOutbox(db: UsersDb, since: Date, until: Date): Promise<number> {
	const result = await db
		.update(outbox)
		.set({ sentAt: null })
		.where(and(gte(outbox.sentAt, since), lte(outbox.sentAt, until)));
	return result.meta.changes;
}

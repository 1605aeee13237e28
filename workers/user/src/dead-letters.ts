import * as z from "zod/mini";
import { TaskEventSchema } from "#shared/contracts/events";
import { eventFields, logLine } from "#shared/kit/log";
import { recordPoint } from "#shared/kit/metrics";
import { deadLetters } from "./db/schema";
import type { UsersDb } from "./users";

/** The tasks-dlq queue: messages the tasks consumer gave up on. */
export const DEAD_LETTER_QUEUE = "tasks-dlq";

/**
 * Dead letters are the operator's, not a user's: they are kept in the first
 * users database (every shard has the table; `npm run dead-letters` reads
 * this one).
 */
export function deadLetterShard(shards: D1Database[]): D1Database {
	const [first] = shards;
	if (!first) throw new Error("no users database");
	return first;
}

/** What the tasks consumer sends to tasks-dlq: the message as it was, and why it died. */
const DeadLetterSchema = z.object({
	messageId: z.string(),
	body: z.unknown(),
	error: z.string(),
	attempts: z.int(),
	diedAt: z.iso.datetime(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

export function deadLetterOf(message: Message<unknown>, error: string): DeadLetter {
	return {
		messageId: message.id,
		body: message.body,
		error,
		attempts: message.attempts,
		diedAt: new Date().toISOString(),
	};
}

/**
 * What a tasks-dlq message says died. The queue itself moves a message here
 * only when the tasks consumer could not run on its last delivery; that
 * message arrives as it was, without a reason.
 */
function readDeadLetter(message: Message<unknown>): DeadLetter {
	const letter = DeadLetterSchema.safeParse(message.body);
	return letter.success
		? letter.data
		: deadLetterOf(message, "moved to tasks-dlq by the queue after its last delivery");
}

/** The tasks-dlq consumer: keeps each dead letter once in D1, logs it and counts it. */
export async function storeDeadLetters(
	batch: MessageBatch<unknown>,
	db: UsersDb,
	metrics: AnalyticsEngineDataset | undefined,
): Promise<void> {
	for (const message of batch.messages) {
		const started = Date.now();
		const letter = readDeadLetter(message);
		await db
			.insert(deadLetters)
			.values({ ...letter, diedAt: new Date(letter.diedAt) })
			.onConflictDoNothing({ target: deadLetters.messageId });
		const event = TaskEventSchema.safeParse(letter.body).data;
		logLine({
			service: "user",
			queue: batch.queue,
			level: "error",
			status: "dead_letter_stored",
			messageId: letter.messageId,
			...(event && eventFields(event)),
			attempts: letter.attempts,
			error: letter.error,
		});
		recordPoint(metrics, {
			service: "user",
			operation: batch.queue,
			kind: "message",
			outcome: "stored",
			durationMs: Date.now() - started,
		});
		message.ack();
	}
}

import { asc, eq, isNull } from "drizzle-orm";
import type { OrderErasure } from "#shared/contracts/orders";
import type { CallContext } from "#shared/contracts/rpc";
import { taskQueues } from "#shared/contracts/task-queues";
import { disposed } from "#shared/kit/dispose";
import { logLine, safeErrorMessage } from "#shared/kit/log";
import { redriveRequests } from "./db/schema";
import { orderService } from "./order-service";
import { pruneOutbox, redriveOutbox, relayOutbox } from "./outbox";
import { userShards } from "./shards";
import { type UsersDb, usersDb } from "./users";

/** Open redrive requests carried on per run, oldest first. */
const REDRIVES_PER_RUN = 5;
/**
 * Steps of a redrive's walk over the OrderBooks per run (each a call to the
 * order worker, up to 500 Durable Object calls there); the rest waits for
 * the next minute, from where it stopped.
 */
const ORDER_STEPS_PER_RUN = 20;

export interface ScheduledDeps {
	/** The users databases, in shard order; redrive requests are in the first. */
	shards: D1Database[];
	queues: Queue[];
	/** The order worker, through the contract it implements. */
	orders: OrderErasure;
}

export function scheduledDeps(env: Env): ScheduledDeps {
	return {
		shards: userShards(env),
		queues: taskQueues(env),
		orders: orderService(env),
	};
}

/** Where one redrive request stands after this run. */
export interface RedriveProgress {
	id: number;
	/** Events the users databases' outboxes marked unsent. */
	userEvents: number | null;
	books: number;
	orderEvents: number;
	done: boolean;
	error?: string;
}

export interface ScheduledReport {
	redrives: RedriveProgress[];
	/** Events sent by the relay (first sends that had failed, and redriven events). */
	relayed: number;
	/** Sent events older than the retention, deleted. */
	pruned: number;
}

type RedriveRequest = typeof redriveRequests.$inferSelect;

/**
 * One redrive request, as far as this run takes it: every shard's outbox
 * once (one UPDATE each), then the order worker's walk over the OrderBooks
 * that sent in the window, step by step, its progress saved after each
 * step so a run that dies repeats at most one step (harmless: the
 * consumer records each event once).
 */
async function carryOut(
	deps: ScheduledDeps,
	db: UsersDb,
	call: CallContext,
	request: RedriveRequest,
	now: Date,
): Promise<RedriveProgress> {
	const where = eq(redriveRequests.id, request.id);
	let { userEvents, ordersCursor: cursor, books, orderEvents } = request;
	if (userEvents === null) {
		let marked = 0;
		for (const shard of deps.shards) {
			marked += await redriveOutbox(usersDb(shard), request.since, request.requestedAt);
		}
		userEvents = marked;
		await db.update(redriveRequests).set({ userEvents }).where(where);
	}
	for (let step = 0; step < ORDER_STEPS_PER_RUN; step += 1) {
		const done = disposed(
			await deps.orders.redrive(call, {
				sinceMs: request.since.getTime(),
				untilMs: request.requestedAt.getTime(),
				cursor,
			}),
		);
		books += done.books;
		orderEvents += done.events;
		cursor = done.cursor;
		await db
			.update(redriveRequests)
			.set({ ordersCursor: cursor, books, orderEvents, doneAt: cursor === null ? now : null })
			.where(where);
		if (cursor === null) break;
	}
	return { id: request.id, userEvents, books, orderEvents, done: cursor === null };
}

/** Carries on the open redrive requests; one that fails stays open for the next run. */
async function carryOutRedrives(
	deps: ScheduledDeps,
	call: CallContext,
	now: Date,
): Promise<RedriveProgress[]> {
	const [first] = deps.shards;
	if (!first) return [];
	// Kept in the first users database, as the dead letters are.
	const db = usersDb(first);
	const open = await db
		.select()
		.from(redriveRequests)
		.where(isNull(redriveRequests.doneAt))
		.orderBy(asc(redriveRequests.id))
		.limit(REDRIVES_PER_RUN);
	const progress: RedriveProgress[] = [];
	for (const request of open) {
		const line = {
			service: "user",
			requestId: call.requestId,
			redrive: request.id,
			since: request.since.toISOString(),
			until: request.requestedAt.toISOString(),
		};
		try {
			const done = await carryOut(deps, db, call, request, now);
			logLine({ ...line, ...done, status: done.done ? "done" : "in_progress" });
			progress.push(done);
		} catch (error) {
			const message = safeErrorMessage(error);
			logLine({ ...line, level: "warn", status: "failed", error: message });
			const { id, userEvents, books, orderEvents } = request;
			progress.push({ id, userEvents, books, orderEvents, done: false, error: message });
		}
	}
	return progress;
}

/**
 * What the cron trigger does every minute (and what the gateway's scheduled
 * handler has this worker do, under `wrangler dev`): carries on the redrive
 * requests, then, in every users database, sends the outbox's pending events
 * (first sends that failed, and what a redrive marked unsent) and prunes
 * sent events past the retention. A failed redrive leaves the relay to run;
 * a failed relay (the queue is down) fails the run, as before.
 */
export async function runScheduled(
	deps: ScheduledDeps,
	call: CallContext,
	now: Date,
): Promise<ScheduledReport> {
	const redrives = await carryOutRedrives(deps, call, now);
	let relayed = 0;
	let pruned = 0;
	for (const shard of deps.shards) {
		const db = usersDb(shard);
		relayed += await relayOutbox(db, deps.queues, now);
		pruned += await pruneOutbox(db, now);
	}
	return { redrives, relayed, pruned };
}

import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import type { OrderCreated } from "#shared/contracts/events";
import type { CreatedOrder, Order, OrderItem, OrderPage } from "#shared/contracts/orders";
import type { PageRequest } from "#shared/contracts/pagination";
import { type CallContext, fail, ok, type Result } from "#shared/contracts/rpc";
import { taskQueueOf, taskQueues } from "#shared/contracts/task-queues";
import { disposed } from "#shared/kit/dispose";
import { eventFields, loggedSync, logLine, safeErrorMessage } from "#shared/kit/log";
import type { Telemetry } from "#shared/kit/metrics";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import migrations from "../drizzle/migrations.js";
import * as schema from "./db/schema";
import {
	cancelOrder,
	eraseBook,
	findIdempotentResponse,
	findOrder,
	insertOrder,
	isErased,
	listOrders,
	type OrdersDb,
	rememberIdempotentResponse,
} from "./orders";
import {
	addEvent,
	markSent,
	markUnsent,
	oldestSent,
	pendingEvents,
	pruneSent,
	SEND_BATCH,
} from "./outbox";
import { bucketOf, indexOf } from "./outbox-index";

export interface Idempotency {
	key: string;
	/** SHA-256 of the request, computed by the caller. */
	fingerprint: string;
}

const SERVICE = "order";

/** Milliseconds before the next try after `failures` failed sends in a row: 1, 2, 4 ... 60 s. */
function resendDelayMs(failures: number): number {
	return Math.min(60_000, 1000 * 2 ** (failures - 1));
}

/**
 * One user's orders. A Durable Object runs one request at a time against its
 * own SQLite, and these methods never await, so each runs as one transaction:
 * concurrent creates, retries and cancels for a user cannot interleave, and
 * every acknowledged write is durable before the response leaves.
 *
 * Each new order's order.created event is written in the same transaction,
 * to the outbox; the alarm sends it to the tasks queue afterwards, and keeps
 * trying until the queue takes it. A sent event stays in the outbox, marked
 * sent, for OUTBOX_RETENTION_MS, so a redrive can send it again; the alarm
 * prunes it after that.
 */
export class OrderBook extends DurableObject<Env> {
	private readonly db: OrdersDb;
	private failedSends = 0;
	/** An alarm is set and has not started yet: orders placed meanwhile go out with it. */
	private sendScheduled = false;
	/** The user is deleted: kept in memory, as the order path asks on every create. */
	private erased = false;
	/**
	 * When the oldest sent event still in the outbox was sent (null: none),
	 * or undefined until read: the alarm prunes and sets its next run by it
	 * without a query per send.
	 */
	private oldestSentAt: number | null | undefined;
	/** The hour whose outbox index (outbox-index.ts) has this book, since the object started. */
	private indexedBucket: number | null = null;

	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.db = drizzle(ctx.storage, { schema });
		ctx.blockConcurrencyWhile(async () => {
			await migrate(this.db, migrations);
			this.erased = isErased(this.db);
		});
	}

	/**
	 * Refused once the user is deleted: the order worker checked the user
	 * before this call, but a deletion may have come in between.
	 */
	create(
		call: CallContext,
		userId: number,
		items: OrderItem[],
		idempotency?: Idempotency,
	): Result<CreatedOrder, "idempotency_key_reused" | "erased"> {
		return loggedSync(this.telemetry, "OrderBook.create", call, (span) => {
			if (this.erased) return fail("erased");
			const now = new Date();
			const created = this.ctx.storage.transactionSync(() => {
				if (idempotency) {
					const first = findIdempotentResponse(this.db, idempotency.key, now);
					if (first && first.fingerprint !== idempotency.fingerprint) {
						return fail("idempotency_key_reused");
					}
					if (first) return ok({ order: first.response, replayed: true });
				}
				const order = insertOrder(this.db, {
					id: crypto.randomUUID(),
					userId,
					items,
					createdAt: now,
				});
				if (idempotency) {
					rememberIdempotentResponse(this.db, { ...idempotency, response: order, createdAt: now });
				}
				addEvent(
					this.db,
					{
						type: "order.created",
						eventId: crypto.randomUUID(),
						occurredAt: now.toISOString(),
						userId,
						orderId: order.id,
						requestId: span.requestId,
						traceparent: span.traceparent,
					},
					now,
				);
				return ok({ order, replayed: false });
			});
			if (created.ok && !created.value.replayed) this.scheduleSend(now);
			return created;
		});
	}

	/** The user is deleted: everything here goes, and nothing comes again (see eraseBook). */
	erase(call: CallContext): void {
		loggedSync(this.telemetry, "OrderBook.erase", call, () => {
			this.ctx.storage.transactionSync(() => eraseBook(this.db, new Date()));
			this.erased = true;
			this.oldestSentAt = null;
		});
	}

	/**
	 * A redrive (redrive.ts): the events this book sent from `sinceMs` to
	 * `untilMs` are marked unsent, and the alarm sends them again. Returns
	 * how many. Asking twice marks nothing more once they have gone again,
	 * as their new sends fall after `untilMs`.
	 */
	redrive(call: CallContext, sinceMs: number, untilMs: number): number {
		return loggedSync(this.telemetry, "OrderBook.redrive", call, () => {
			const marked = markUnsent(this.db, sinceMs, untilMs);
			if (marked > 0) {
				this.oldestSentAt = undefined;
				this.scheduleSend(new Date());
			}
			return marked;
		});
	}

	get(call: CallContext, orderId: string): Order | null {
		return loggedSync(this.telemetry, "OrderBook.get", call, () => findOrder(this.db, orderId));
	}

	list(call: CallContext, page: PageRequest): Result<OrderPage, "invalid_cursor"> {
		return loggedSync(this.telemetry, "OrderBook.list", call, () => listOrders(this.db, page));
	}

	cancel(call: CallContext, orderId: string): Result<Order, "not_found" | "already_cancelled"> {
		return loggedSync(this.telemetry, "OrderBook.cancel", call, () =>
			this.ctx.storage.transactionSync(() => cancelOrder(this.db, orderId)),
		);
	}

	/** Health check: the object runs and its storage answers. */
	ping(call: CallContext): true {
		return loggedSync(this.telemetry, "OrderBook.ping", call, () => {
			this.ctx.storage.sql.exec("SELECT 1").one();
			return true as const;
		});
	}

	/**
	 * Sets the alarm that sends the outbox, unless one is set and has not
	 * started: under load one alarm then carries many events. Not awaited, so
	 * the caller stays one synchronous unit; the alarm is stored with the
	 * order before the response leaves (the output gate).
	 */
	private scheduleSend(now: Date): void {
		if (this.sendScheduled) return;
		this.sendScheduled = true;
		void this.ctx.storage.setAlarm(now.getTime());
	}

	/**
	 * Sends the outbox's pending events; if the queue refuses, tries again
	 * later, for as long as it takes. Then prunes what was sent more than
	 * the retention ago, and sets the alarm for the next prune.
	 */
	override async alarm(): Promise<void> {
		this.sendScheduled = false;
		const events = pendingEvents(this.db);
		if (events.length > 0 && !(await this.send(events))) return;
		if (events.length === SEND_BATCH) {
			this.scheduleSend(new Date());
			return;
		}
		this.prune(Date.now());
	}

	/**
	 * Registers the book in the outbox index of this hour (the first send of
	 * the hour only), sends the events and marks them sent. False when either
	 * failed: the alarm is set for another try. An event is sent only once its
	 * book can be found by a redrive of its hour.
	 */
	private async send(events: OrderCreated[]): Promise<boolean> {
		const sentAt = Date.now();
		try {
			await this.register(events, sentAt);
			// One book holds one user's events: they share a queue.
			const queue = taskQueueOf(taskQueues(this.env), events[0]?.userId ?? 0);
			await queue.sendBatch(events.map((body) => ({ body, contentType: "json" })));
		} catch (error) {
			this.failedSends += 1;
			logLine({
				service: SERVICE,
				level: "warn",
				status: "send_failed",
				pending: events.length,
				error: safeErrorMessage(error),
			});
			this.sendScheduled = true;
			await this.ctx.storage.setAlarm(Date.now() + resendDelayMs(this.failedSends));
			return false;
		}
		this.failedSends = 0;
		markSent(
			this.db,
			events.map((event) => event.eventId),
			sentAt,
		);
		if (this.oldestSentAt === null) this.oldestSentAt = sentAt;
		for (const event of events) logSent(event);
		return true;
	}

	/** Adds the book to the outbox index of `sentAt`'s hour, once per hour; a span of the first event's create. */
	private async register(events: OrderCreated[], sentAt: number): Promise<void> {
		const [first] = events;
		if (!first || this.indexedBucket === bucketOf(sentAt)) return;
		const index = this.env.OUTBOX_INDEX.getByName(indexOf(sentAt, first.userId));
		const cause = { requestId: first.requestId, traceparent: first.traceparent };
		disposed(await index.add(cause, first.userId));
		this.indexedBucket = bucketOf(sentAt);
	}

	/**
	 * Deletes sent events past the retention (PRUNE_BATCH at most), and sets
	 * the alarm for when the oldest one left passes it: at once if more are
	 * past it already. Not while a send is scheduled (an order came during
	 * the send): that alarm comes first and prunes in its turn.
	 */
	private prune(now: number): void {
		if (this.sendScheduled) return;
		const cutoff = now - OUTBOX_RETENTION_MS;
		this.oldestSentAt ??= oldestSent(this.db);
		if (this.oldestSentAt !== null && this.oldestSentAt <= cutoff) {
			pruneSent(this.db, cutoff);
			this.oldestSentAt = oldestSent(this.db);
		}
		if (this.oldestSentAt === null) return;
		const next = this.oldestSentAt <= cutoff ? now : this.oldestSentAt + OUTBOX_RETENTION_MS;
		void this.ctx.storage.setAlarm(next);
	}
}

/** The send is a span of the create that wrote the event. */
function logSent(event: OrderCreated): void {
	logLine({ service: SERVICE, ...eventFields(event), send: event.type, status: "sent" });
}

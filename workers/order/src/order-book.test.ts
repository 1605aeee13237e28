import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { taskQueueOf, taskQueues } from "#shared/contracts/task-queues";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import { testCall } from "#test/call-context";
import { unwrap } from "#test/unwrap";
import * as schema from "./db/schema";
import type { OrderBook } from "./order-book";
import { PRUNE_BATCH, pruneSent } from "./outbox";

const items = (sku: string) => [{ sku, quantity: 1 }];
const key = (k: string, fingerprint = "f1") => ({ key: k, fingerprint });
const call = testCall();

afterEach(() => {
	vi.restoreAllMocks();
});

/** The user's outbox rows, read inside their Durable Object. */
function outboxOf(user: string) {
	return runInDurableObject(env.ORDER_BOOK.getByName(user), (_book, state) =>
		drizzle(state.storage, { schema }).select().from(schema.outbox).all(),
	);
}

/** When the book's alarm is set for, if it is. */
function alarmOf(book: DurableObjectStub<OrderBook>) {
	return runInDurableObject(book, (_book, state) => state.storage.getAlarm());
}

/** The user's events still to send. */
async function pendingOf(user: string) {
	return (await outboxOf(user)).filter((row) => row.sentAt === null);
}

describe("OrderBook.create", () => {
	describe("happy", () => {
		it("keeps every one of many concurrent orders, each once", async () => {
			const book = env.ORDER_BOOK.getByName("7");
			const created = await Promise.all(
				Array.from({ length: 50 }, async (_, n) =>
					unwrap(await book.create(call, 7, items(`sku-${n}`))),
				),
			);
			const ids = new Set(created.map(({ order }) => order.id));
			expect(ids.size).toBe(50);

			const page = unwrap(await book.list(call, { limit: 100 }));
			expect(new Set(page.orders.map((o) => o.id))).toEqual(ids);
		});

		it("keeps orders after the object is restarted", async () => {
			const book = env.ORDER_BOOK.getByName("10");
			const { order } = unwrap(await book.create(call, 10, items("durable")));
			// A fresh instance over the same storage, as after eviction or a deploy.
			await evictDurableObject(book);
			expect(await env.ORDER_BOOK.getByName("10").get(call, order.id)).toEqual(order);
		});
	});
});

describe("OrderBook.create with an Idempotency-Key", () => {
	describe("happy", () => {
		it("replays the first response for a retry, placing one order", async () => {
			const book = env.ORDER_BOOK.getByName("11");
			const first = unwrap(await book.create(call, 11, items("a"), key("k1")));
			const retry = unwrap(await book.create(call, 11, items("a"), key("k1")));
			expect(first.replayed).toBe(false);
			expect(retry).toEqual({ order: first.order, replayed: true });
			expect(unwrap(await book.list(call, { limit: 10 })).orders).toHaveLength(1);
		});

		it("places one order for many concurrent retries", async () => {
			const book = env.ORDER_BOOK.getByName("12");
			const results = await Promise.all(
				Array.from({ length: 20 }, async () =>
					unwrap(await book.create(call, 12, items("a"), key("k"))),
				),
			);
			expect(new Set(results.map(({ order }) => order.id)).size).toBe(1);
			expect(results.filter(({ replayed }) => !replayed)).toHaveLength(1);
			expect(unwrap(await book.list(call, { limit: 100 })).orders).toHaveLength(1);
		});

		it("replays the first response even after the order was cancelled", async () => {
			const book = env.ORDER_BOOK.getByName("14");
			const first = unwrap(await book.create(call, 14, items("a"), key("k")));
			await book.cancel(call, first.order.id);
			expect(unwrap(await book.create(call, 14, items("a"), key("k"))).order.status).toBe(
				"created",
			);
		});
	});

	describe("errors", () => {
		it("refuses the same key with another body", async () => {
			const book = env.ORDER_BOOK.getByName("13");
			await book.create(call, 13, items("a"), key("k", "f1"));
			expect(await book.create(call, 13, items("b"), key("k", "f2"))).toEqual({
				ok: false,
				error: "idempotency_key_reused",
			});
		});
	});
});

describe("OrderBook.cancel", () => {
	describe("happy", () => {
		it("cancels an order", async () => {
			const book = env.ORDER_BOOK.getByName("15");
			const { order } = unwrap(await book.create(call, 15, items("a")));
			expect(unwrap(await book.cancel(call, order.id)).status).toBe("cancelled");
		});
	});

	describe("errors", () => {
		it("reports an order already cancelled, and one it does not hold", async () => {
			const book = env.ORDER_BOOK.getByName("16");
			const { order } = unwrap(await book.create(call, 16, items("a")));
			await book.cancel(call, order.id);
			expect(await book.cancel(call, order.id)).toEqual({ ok: false, error: "already_cancelled" });
			expect(await book.cancel(call, crypto.randomUUID())).toEqual({
				ok: false,
				error: "not_found",
			});
		});
	});
});

describe("OrderBook's outbox", () => {
	describe("happy", () => {
		it("writes each new order's order.created event with it, and the alarm sends it", async () => {
			const send = vi.spyOn(env.TASKS, "sendBatch");
			const book = env.ORDER_BOOK.getByName("20");
			const { order } = unwrap(await book.create(call, 20, items("a")));
			// Other objects in this file send too: find this order's message.
			const message = await vi.waitFor(() => {
				const found = send.mock.calls
					.flatMap(([messages]) => [...messages])
					.find((m) => JSON.stringify(m.body).includes(order.id));
				if (!found) throw new Error("not sent yet");
				return found;
			});
			expect(message?.body).toEqual({
				type: "order.created",
				eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
				occurredAt: order.createdAt,
				userId: 20,
				orderId: order.id,
				requestId: call.requestId,
				// The create's own span, in the caller's trace: the consumer's parent.
				traceparent: expect.stringMatching(/^00-a{32}-[0-9a-f]{16}-01$/),
			});
			expect(message?.body).not.toMatchObject({ traceparent: call.traceparent });
			// Sent, it stays in the outbox, marked sent, for the retention.
			await vi.waitFor(async () => expect(await pendingOf("20")).toEqual([]));
			const [row] = await outboxOf("20");
			expect(row?.event).toEqual(message?.body);
			expect(row?.sentAt?.getTime()).toBeGreaterThanOrEqual(row?.createdAt.getTime() ?? 0);
		});
	});

	describe("errors", () => {
		it("keeps an event the queue refused and sends it on a later alarm, once", async () => {
			// User 21's events go to the second tasks queue (shared/contracts/task-queues.ts).
			const send = vi.spyOn(taskQueueOf(taskQueues(env), 21), "sendBatch");
			send.mockRejectedValueOnce(new Error("queue unavailable"));
			const book = env.ORDER_BOOK.getByName("21");
			const { order } = unwrap(await book.create(call, 21, items("a")));

			await vi.waitFor(() => expect(send).toHaveBeenCalledOnce());
			expect(await pendingOf("21")).toHaveLength(1);
			expect(await runDurableObjectAlarm(book)).toBe(true);

			expect(await pendingOf("21")).toEqual([]);
			expect(send).toHaveBeenCalledTimes(2);
			expect(send.mock.calls[1]?.[0]).toEqual([
				{ body: expect.objectContaining({ orderId: order.id }), contentType: "json" },
			]);
			// The alarm left is the prune of the sent event, a retention later: it sends nothing.
			const [sent] = await outboxOf("21");
			expect(await alarmOf(book)).toBe((sent?.sentAt?.getTime() ?? 0) + OUTBOX_RETENTION_MS);
			expect(await runDurableObjectAlarm(book)).toBe(true);
			expect(send).toHaveBeenCalledTimes(2);
		});

		it("stores neither the order nor its event when the event cannot be written", async () => {
			const book = env.ORDER_BOOK.getByName("23");
			await runInDurableObject(book, (_book, state) => {
				state.storage.sql.exec(
					"CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'outbox unavailable'); END",
				);
			});
			const send = vi.spyOn(taskQueueOf(taskQueues(env), 23), "sendBatch");
			await runInDurableObject(book, (instance: OrderBook) => {
				expect(() => instance.create(call, 23, items("a"))).toThrow(/outbox unavailable/);
			});
			expect(unwrap(await book.list(call, { limit: 10 })).orders).toEqual([]);
			expect(await outboxOf("23")).toEqual([]);
			expect(await runDurableObjectAlarm(book)).toBe(false);
			expect(send).not.toHaveBeenCalled();
		});

		it("writes no event for a replayed create or a refused one", async () => {
			const send = vi.spyOn(env.TASKS, "sendBatch");
			const book = env.ORDER_BOOK.getByName("22");
			await book.create(call, 22, items("a"), key("k", "f1"));
			await book.create(call, 22, items("a"), key("k", "f1"));
			await book.create(call, 22, items("b"), key("k", "f2"));
			await vi.waitFor(async () => expect(await pendingOf("22")).toEqual([]));
			const sent = send.mock.calls.flatMap(([messages]) => [...messages]);
			expect(sent).toHaveLength(1);
		});

		it("sends the events of many orders placed at once in few alarms, each once", async () => {
			const send = vi.spyOn(env.TASKS, "sendBatch");
			const book = env.ORDER_BOOK.getByName("24");
			await Promise.all(Array.from({ length: 30 }, () => book.create(call, 24, items("a"))));
			await vi.waitFor(async () => expect(await pendingOf("24")).toEqual([]));
			const sent = send.mock.calls.flatMap(([messages]) => [...messages]);
			expect(new Set(sent.map((message) => JSON.stringify(message.body))).size).toBe(30);
			expect(sent).toHaveLength(30);
			expect(send.mock.calls.length).toBeLessThan(30);
		});
	});
});

describe("OrderBook's outbox retention", () => {
	/** Moves the send time of the book's sent events `ms` into the past, behind the object's back. */
	async function age(book: DurableObjectStub<OrderBook>, ms: number, where = "1 = 1") {
		await runInDurableObject(book, (_book, state) => {
			state.storage.sql.exec(
				`UPDATE outbox SET sent_at = sent_at - ? WHERE sent_at IS NOT NULL AND ${where}`,
				ms,
			);
		});
		// A new instance, which knows nothing of the old send times.
		await evictDurableObject(book);
	}

	describe("happy", () => {
		it("keeps sent events a day; the alarm then prunes them, and sets itself for the next", async () => {
			const book = env.ORDER_BOOK.getByName("25");
			const orders = [];
			for (const sku of ["a", "b", "c"]) {
				orders.push(unwrap(await book.create(call, 25, items(sku))).order);
				await vi.waitFor(async () => expect(await pendingOf("25")).toEqual([]));
			}
			const [first, second, third] = orders;
			await age(
				book,
				OUTBOX_RETENTION_MS + 60_000,
				`json_extract(event, '$.orderId') = '${first?.id}'`,
			);
			await age(
				book,
				OUTBOX_RETENTION_MS - 60_000,
				`json_extract(event, '$.orderId') = '${second?.id}'`,
			);

			expect(await runDurableObjectAlarm(book)).toBe(true);
			const kept = await outboxOf("25");
			expect(kept.map((row) => row.event.orderId).sort()).toEqual([second?.id, third?.id].sort());
			// Next: when the oldest left passes the retention, about a minute from now.
			const oldest = Math.min(...kept.map((row) => row.sentAt?.getTime() ?? Infinity));
			expect(await alarmOf(book)).toBe(oldest + OUTBOX_RETENTION_MS);
			expect(oldest + OUTBOX_RETENTION_MS - Date.now()).toBeLessThan(61_000);
		});
	});

	describe("errors", () => {
		it("prunes a backlog PRUNE_BATCH events per alarm, coming back at once for the rest", async () => {
			const book = env.ORDER_BOOK.getByName("26");
			const backlog = PRUNE_BATCH * 2 + 50;
			const twoDaysAgo = Date.now() - 2 * OUTBOX_RETENTION_MS;
			await runInDurableObject(book, (_book, state) => {
				for (let n = 0; n < backlog; n += 1) {
					state.storage.sql.exec(
						"INSERT INTO outbox (event_id, event, created_at, sent_at) VALUES (?, '{}', ?, ?)",
						`old-${n}`,
						twoDaysAgo,
						twoDaysAgo + n,
					);
				}
				return state.storage.setAlarm(Date.now());
			});
			await evictDurableObject(book);
			const count = async () => (await outboxOf("26")).length;
			const runs: number[] = [];
			while (await runDurableObjectAlarm(book)) {
				runs.push(await count());
				// At once while a backlog is left.
				const next = await alarmOf(book);
				if (next !== null) expect(next).toBeLessThanOrEqual(Date.now());
			}
			expect(runs).toEqual([backlog - PRUNE_BATCH, backlog - 2 * PRUNE_BATCH, 0]);
		});

		it("never prunes an event still to send, however old", async () => {
			const book = env.ORDER_BOOK.getByName("27");
			const old = Date.now() - 3 * OUTBOX_RETENTION_MS;
			const left = await runInDurableObject(book, (_book, state) => {
				const { sql } = state.storage;
				sql.exec(
					"INSERT INTO outbox (event_id, event, created_at, sent_at) VALUES ('pending', '{}', ?, NULL), ('sent', '{}', ?, ?)",
					old,
					old,
					old,
				);
				pruneSent(drizzle(state.storage, { schema }), Date.now() - OUTBOX_RETENTION_MS);
				return sql.exec<{ event_id: string }>("SELECT event_id FROM outbox").toArray();
			});
			expect(left).toEqual([{ event_id: "pending" }]);
		});
	});
});

describe("OrderBook.erase", () => {
	describe("happy", () => {
		it("leaves no order, Idempotency-Key or unsent event, and stays erased after a restart", async () => {
			const book = env.ORDER_BOOK.getByName("90");
			const { order } = unwrap(await book.create(call, 90, items("gone"), key("k-90")));
			await book.erase(call);
			await book.erase(call);
			expect(await book.get(call, order.id)).toBeNull();
			expect(unwrap(await book.list(call, { limit: 10 })).orders).toEqual([]);
			expect(await outboxOf("90")).toEqual([]);
			const keys = await runInDurableObject(book, (_book, state) =>
				state.storage.sql.exec("SELECT * FROM idempotency_keys").toArray(),
			);
			expect(keys).toEqual([]);

			await evictDurableObject(book);
			const again = env.ORDER_BOOK.getByName("90");
			expect(await again.create(call, 90, items("late"), key("k-90"))).toEqual({
				ok: false,
				error: "erased",
			});
			expect(unwrap(await again.list(call, { limit: 10 })).orders).toEqual([]);
		});
	});
});

import {
	createExecutionContext,
	evictDurableObject,
	runDurableObjectAlarm,
	runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OrderCreated } from "#shared/contracts/events";
import { taskQueues } from "#shared/contracts/task-queues";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import { testCall } from "#test/call-context";
import { unwrap } from "#test/unwrap";
import { OrderService } from "./index";
import type { OrderBook } from "./order-book";
import { bucketOf, INDEX_BUCKET_MS, INDEX_SHARDS, indexName, indexOf } from "./outbox-index";
import { type RedriveBindings, redriveStep } from "./redrive";

const items = (sku: string) => [{ sku, quantity: 1 }];
const call = testCall();

afterEach(() => {
	vi.restoreAllMocks();
});

/** Every message sent to any tasks queue from now on, as the events they carry. */
function watchSends() {
	const spies = taskQueues(env).map((queue) => vi.spyOn(queue, "sendBatch"));
	return () =>
		spies.flatMap((spy) =>
			spy.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body as OrderCreated)),
		);
}

/** Whether the book has sent everything it holds. */
function allSent(book: DurableObjectStub<OrderBook>) {
	return runInDurableObject(
		book,
		(_book, state) =>
			state.storage.sql.exec("SELECT 1 FROM outbox WHERE sent_at IS NULL").toArray().length === 0,
	);
}

/** Places orders for `userId`, and waits until their events have been sent. */
async function placeAndSend(userId: number, count = 1) {
	const book = env.ORDER_BOOK.getByName(String(userId));
	const orders = [];
	for (let n = 0; n < count; n += 1) {
		orders.push(unwrap(await book.create(call, userId, items(`sku-${n}`))).order);
	}
	await vi.waitFor(async () => expect(await allSent(book)).toBe(true));
	return { book, orders };
}

describe("OutboxIndex", () => {
	describe("happy", () => {
		it("lists the books added, each once, in pages in user id order", async () => {
			const index = env.OUTBOX_INDEX.getByName("test:lists");
			for (const userId of [5, 3, 9, 3, 7, 5]) await index.add(call, userId);
			expect(await index.list(call, 0, 10)).toEqual([3, 5, 7, 9]);
			expect(await index.list(call, 0, 2)).toEqual([3, 5]);
			expect(await index.list(call, 5, 2)).toEqual([7, 9]);
			expect(await index.list(call, 9, 2)).toEqual([]);
		});

		it("deletes itself a retention after its hour", async () => {
			const index = env.OUTBOX_INDEX.getByName("test:expires");
			const before = Date.now();
			await index.add(call, 1);
			const alarm = await runInDurableObject(index, (_index, state) => state.storage.getAlarm());
			expect(alarm).toBeGreaterThanOrEqual(before + OUTBOX_RETENTION_MS + INDEX_BUCKET_MS);
			expect(await runDurableObjectAlarm(index)).toBe(true);
			expect(await index.list(call, 0, 10)).toEqual([]);
			const tables = await runInDurableObject(index, (_index, state) =>
				state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'books'").toArray(),
			);
			expect(tables).toEqual([]);
		});
	});

	describe("errors", () => {
		it("stores nothing when read before any book was added", async () => {
			const index = env.OUTBOX_INDEX.getByName("test:never-written");
			expect(await index.list(call, 0, 10)).toEqual([]);
			const stored = await runInDurableObject(index, (_index, state) => ({
				tables: state.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
				alarm: state.storage.getAlarm(),
			}));
			expect(stored.tables).toEqual([]);
			expect(await stored.alarm).toBeNull();
		});
	});
});

describe("an OrderBook's registration in the outbox index", () => {
	describe("happy", () => {
		it("adds the book to the index of its hour and shard at its first send of the hour, once", async () => {
			const getByName = vi.spyOn(env.OUTBOX_INDEX, "getByName");
			for (let n = 0; n < 3; n += 1) await placeAndSend(41);
			expect(getByName.mock.calls).toEqual([[indexOf(Date.now(), 41)]]);
			const index = env.OUTBOX_INDEX.getByName(indexName(bucketOf(Date.now()), 41 % INDEX_SHARDS));
			expect(await index.list(call, 0, 100)).toContain(41);
		});
	});

	describe("errors", () => {
		it("sends nothing while the index cannot be written, and sends once it can", async () => {
			const sent = watchSends();
			const getByName = vi.spyOn(env.OUTBOX_INDEX, "getByName");
			getByName.mockImplementationOnce(() => {
				throw new Error("index unavailable");
			});
			const book = env.ORDER_BOOK.getByName("44");
			const { order } = unwrap(await book.create(call, 44, items("a")));
			await vi.waitFor(() => expect(getByName).toHaveBeenCalledOnce());
			expect(sent()).toEqual([]);
			expect(await allSent(book)).toBe(false);

			expect(await runDurableObjectAlarm(book)).toBe(true);
			expect(await allSent(book)).toBe(true);
			expect(sent().map((event) => event.orderId)).toEqual([order.id]);
		});
	});
});

describe("OrderBook.redrive", () => {
	describe("happy", () => {
		it("marks what it sent in the window unsent; the alarm sends it again, and only once", async () => {
			const { book, orders } = await placeAndSend(45, 2);
			const [early, recent] = orders;
			// The first was sent two hours ago, before the window.
			await runInDurableObject(book, (_book, state) => {
				state.storage.sql.exec(
					"UPDATE outbox SET sent_at = sent_at - ? WHERE json_extract(event, '$.orderId') = ?",
					2 * INDEX_BUCKET_MS,
					early?.id,
				);
			});
			const sent = watchSends();
			const window = { since: Date.now() - 10 * 60_000, until: Date.now() };
			expect(await book.redrive(call, window.since, window.until)).toBe(1);
			await vi.waitFor(async () => expect(await allSent(book)).toBe(true));
			expect(sent().map((event) => event.orderId)).toEqual([recent?.id]);

			// Sent again after the window's end: asking again marks nothing.
			expect(await book.redrive(call, window.since, window.until)).toBe(0);
			await evictDurableObject(book);
			expect(await env.ORDER_BOOK.getByName("45").redrive(call, window.since, window.until)).toBe(
				0,
			);
			expect(sent()).toHaveLength(1);
		});
	});
});

describe("OrderService.redrive", () => {
	describe("happy", () => {
		it("finds the books that sent in the window through the index, and each sends again", async () => {
			const since = Date.now();
			// 46 and 62 share an index shard (16 apart); 47 is in the next.
			const placed = await Promise.all([46, 62, 47].map((userId) => placeAndSend(userId, 2)));
			const sent = watchSends();
			const service = new OrderService(createExecutionContext(), env);
			const step = await service.redrive(call, {
				sinceMs: since,
				untilMs: Date.now(),
				cursor: null,
			});
			expect(step).toMatchObject({ events: 6, cursor: null });
			expect(step.books).toBeGreaterThanOrEqual(3);
			await vi.waitFor(async () => {
				for (const { book } of placed) expect(await allSent(book)).toBe(true);
			});
			const ids = placed.flatMap(({ orders }) => orders.map((order) => order.id));
			expect(
				sent()
					.map((event) => event.orderId)
					.sort(),
			).toEqual(ids.sort());
		});
	});
});

describe("redriveStep", () => {
	/** Indexes and books that record what they were asked, each book with one event to mark. */
	function fakes(books: Record<string, number[]>) {
		const read: string[] = [];
		const asked: number[] = [];
		const bindings = {
			OUTBOX_INDEX: {
				getByName: (name: string) => ({
					list: (_call: unknown, after: number, limit: number) => {
						read.push(name);
						return (books[name] ?? []).filter((id) => id > after).slice(0, limit);
					},
				}),
			},
			ORDER_BOOK: {
				getByName: (name: string) => ({
					redrive: () => {
						asked.push(Number(name));
						return 1;
					},
				}),
			},
		} as unknown as RedriveBindings;
		return { bindings, read, asked };
	}

	describe("happy", () => {
		it("walks every shard of every hour in the window, in steps that resume at the cursor", async () => {
			const until = Date.UTC(2026, 11, 3, 12, 30);
			const hour = bucketOf(until);
			const many = Array.from({ length: 1_000 }, (_, n) => n * INDEX_SHARDS + 3 + 1);
			const { bindings, read, asked } = fakes({
				[indexName(hour - 1, 15)]: [15, 31],
				[indexName(hour, 4)]: many,
			});
			const steps = [];
			let cursor: string | null = null;
			do {
				const step = await redriveStep(bindings, call, {
					sinceMs: until - 90 * 60_000,
					untilMs: until,
					cursor,
				});
				steps.push(step);
				cursor = step.cursor;
			} while (cursor !== null);
			expect(steps.length).toBeGreaterThan(1);
			expect(steps.reduce((sum, step) => sum + step.books, 0)).toBe(1_002);
			expect(asked).toEqual([15, 31, ...many]);
			// Each index of the two hours read, and nothing else.
			const expected = [hour - 1, hour].flatMap((bucket) =>
				Array.from({ length: INDEX_SHARDS }, (_, shard) => indexName(bucket, shard)),
			);
			expect(new Set(read)).toEqual(new Set(expected));
		});
	});

	describe("errors", () => {
		it("reads no hour older than the retention, however far back it is asked to go", async () => {
			const until = Date.UTC(2026, 11, 3, 12, 30);
			const { bindings, read } = fakes({});
			await redriveStep(bindings, call, {
				sinceMs: until - 30 * OUTBOX_RETENTION_MS,
				untilMs: until,
				cursor: null,
			});
			expect(read[0]).toBe(indexName(bucketOf(until - OUTBOX_RETENTION_MS - INDEX_BUCKET_MS), 0));
		});

		it("refuses a cursor it did not write", async () => {
			const { bindings } = fakes({});
			await expect(
				redriveStep(bindings, call, { sinceMs: 0, untilMs: 1, cursor: "1:2" }),
			).rejects.toThrow(/not a redrive cursor/);
		});
	});
});

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import { unwrap } from "#test/unwrap";
import * as schema from "./db/schema";
import type { OrderBook } from "./order-book";
import {
	findIdempotentResponse,
	findOrder,
	IDEMPOTENCY_TTL_MS,
	insertOrder,
	listOrders,
	rememberIdempotentResponse,
} from "./orders";

/** Runs `fn` against the storage of a fresh user's OrderBook, migrations applied. */
function withBook<R>(user: string, fn: (db: ReturnType<typeof drizzle<typeof schema>>) => R) {
	const stub = env.ORDER_BOOK.getByName(user);
	return runInDurableObject(stub, (_book: OrderBook, state) =>
		fn(drizzle(state.storage, { schema })),
	);
}

const item = (sku: string) => ({ sku, quantity: 1 });

describe("insertOrder and findOrder", () => {
	describe("happy", () => {
		it("stores an order and reads it back", async () => {
			await withBook("1", (db) => {
				const created = insertOrder(db, {
					id: "o-1",
					userId: 1,
					items: [{ sku: "item1", quantity: 3 }],
					createdAt: new Date("2026-05-06T07:08:09.000Z"),
				});
				expect(created).toEqual({
					id: "o-1",
					userId: 1,
					items: [{ sku: "item1", quantity: 3 }],
					status: "created",
					createdAt: "2026-05-06T07:08:09.000Z",
				});
				expect(findOrder(db, "o-1")).toEqual(created);
				// The same bytes too: a created order, its replay and a read look alike.
				expect(JSON.stringify(created)).toBe(JSON.stringify(findOrder(db, "o-1")));
			});
		});
	});

	describe("errors", () => {
		it("finds nothing for an unknown id", async () => {
			await withBook("1", (db) => {
				expect(findOrder(db, "missing")).toBeNull();
			});
		});
	});
});

describe("listOrders", () => {
	describe("happy", () => {
		it("pages newest first with a cursor until the end", async () => {
			await withBook("2", (db) => {
				for (const n of [1, 2, 3, 4, 5]) {
					insertOrder(db, {
						id: `o-${n}`,
						userId: 2,
						items: [item(`s${n}`)],
						createdAt: new Date(),
					});
				}
				const first = unwrap(listOrders(db, { limit: 2 }));
				expect(first.orders.map((o) => o.id)).toEqual(["o-5", "o-4"]);
				expect(first.nextCursor).toEqual(expect.any(String));
				const second = unwrap(listOrders(db, { limit: 2, cursor: first.nextCursor ?? "" }));
				expect(second.orders.map((o) => o.id)).toEqual(["o-3", "o-2"]);
				const last = unwrap(listOrders(db, { limit: 2, cursor: second.nextCursor ?? "" }));
				expect(last).toEqual({
					orders: [expect.objectContaining({ id: "o-1" })],
					nextCursor: null,
				});
			});
		});
	});

	describe("errors", () => {
		it.each([
			["not base64", "%%%"],
			["not a position", btoa("o:abc")],
			["another list's cursor", btoa("n:1")],
			["no cursor format at all", "not-a-cursor"],
		])("refuses a cursor that is %s", async (_case, cursor) => {
			await withBook("3", (db) => {
				insertOrder(db, {
					id: `o-${cursor}`,
					userId: 3,
					items: [item("a")],
					createdAt: new Date(),
				});
				expect(listOrders(db, { limit: 10, cursor })).toEqual({
					ok: false,
					error: "invalid_cursor",
				});
			});
		});
	});
});

describe("findIdempotentResponse and rememberIdempotentResponse", () => {
	const order = {
		id: "o-1",
		userId: 4,
		items: [item("a")],
		status: "created" as const,
		createdAt: "2026-01-01T00:00:00.000Z",
	};

	describe("happy", () => {
		it("remember a key for 24 hours and forget it after", async () => {
			await withBook("4", (db) => {
				const createdAt = new Date("2026-01-01T00:00:00.000Z");
				rememberIdempotentResponse(db, { key: "k", fingerprint: "f", response: order, createdAt });
				const later = (ms: number) => new Date(createdAt.getTime() + ms);
				expect(findIdempotentResponse(db, "k", later(IDEMPOTENCY_TTL_MS - 1))).toEqual({
					fingerprint: "f",
					response: order,
				});
				expect(findIdempotentResponse(db, "k", later(IDEMPOTENCY_TTL_MS))).toBeNull();
			});
		});

		it("drop expired entries when a new one is stored", async () => {
			await withBook("5", (db) => {
				const old = new Date("2026-01-01T00:00:00.000Z");
				rememberIdempotentResponse(db, {
					key: "old",
					fingerprint: "f",
					response: order,
					createdAt: old,
				});
				const now = new Date(old.getTime() + IDEMPOTENCY_TTL_MS + 1);
				rememberIdempotentResponse(db, {
					key: "new",
					fingerprint: "f",
					response: order,
					createdAt: now,
				});
				const keys = db
					.select()
					.from(schema.idempotencyKeys)
					.all()
					.map((r) => r.key);
				expect(keys).toEqual(["new"]);
			});
		});
	});
});

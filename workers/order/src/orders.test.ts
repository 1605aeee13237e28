import { env, runInDurableObject } from "cloudflare:test";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { describe, expect, it } from "vitest";
import * as schema from "./db/schema";
import type { OrderBook } from "./order-book";
import { decodeCursor, encodeCursor, findOrder, insertOrder, listOrders } from "./orders";

/** Runs `fn` against the storage of a fresh user's OrderBook, migrations applied. */
function withBook<R>(user: string, fn: (db: ReturnType<typeof drizzle<typeof schema>>) => R) {
	const stub = env.ORDER_BOOK.getByName(user);
	return runInDurableObject(stub, (_book: OrderBook, state) =>
		fn(drizzle(state.storage, { schema })),
	);
}

const item = (sku: string) => ({ sku, quantity: 1 });

describe("insertOrder and findOrder", () => {
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
			expect(findOrder(db, "missing")).toBeNull();
		});
	});
});

describe("listOrders", () => {
	it("pages newest first with an opaque cursor until the end", async () => {
		await withBook("2", (db) => {
			for (const n of [1, 2, 3, 4, 5]) {
				insertOrder(db, { id: `o-${n}`, userId: 2, items: [item(`s${n}`)], createdAt: new Date() });
			}
			const first = listOrders(db, { limit: 2 });
			expect(first.orders.map((o) => o.id)).toEqual(["o-5", "o-4"]);
			expect(first.nextCursor).toEqual(expect.any(String));
			const second = listOrders(db, { limit: 2, cursor: first.nextCursor ?? "" });
			expect(second.orders.map((o) => o.id)).toEqual(["o-3", "o-2"]);
			const last = listOrders(db, { limit: 2, cursor: second.nextCursor ?? "" });
			expect(last).toEqual({ orders: [expect.objectContaining({ id: "o-1" })], nextCursor: null });
		});
	});

	it("returns an empty page for a cursor it did not issue", async () => {
		await withBook("3", (db) => {
			insertOrder(db, { id: "o-1", userId: 3, items: [item("a")], createdAt: new Date() });
			expect(listOrders(db, { limit: 10, cursor: "not-a-cursor" })).toEqual({
				orders: [],
				nextCursor: null,
			});
		});
	});
});

describe("cursors", () => {
	it("round-trip and reject foreign input", () => {
		expect(decodeCursor(encodeCursor(42))).toBe(42);
		expect(decodeCursor(btoa("o:abc"))).toBeNull();
		expect(decodeCursor("%%%")).toBeNull();
	});
});

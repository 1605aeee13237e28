import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("OrderBook", () => {
	it("keeps every one of many concurrent orders, each once", async () => {
		const book = env.ORDER_BOOK.getByName("7");
		const created = await Promise.all(
			Array.from({ length: 50 }, (_, n) => book.create(7, [{ sku: `sku-${n}`, quantity: 1 }])),
		);
		const ids = new Set(created.map((o) => o.id));
		expect(ids.size).toBe(50);

		const page = await book.list({ limit: 100 });
		expect(page.orders).toHaveLength(50);
		expect(new Set(page.orders.map((o) => o.id))).toEqual(ids);
	});

	it("keeps each user's orders in that user's own object", async () => {
		await env.ORDER_BOOK.getByName("8").create(8, [{ sku: "mine", quantity: 2 }]);
		const other = await env.ORDER_BOOK.getByName("9").list({ limit: 10 });
		expect(other.orders).toEqual([]);
	});

	it("keeps orders after the object is restarted", async () => {
		const book = env.ORDER_BOOK.getByName("10");
		const order = await book.create(10, [{ sku: "durable", quantity: 1 }]);
		// A fresh instance over the same storage, as after eviction or a deploy.
		await evictDurableObject(book);
		expect(await env.ORDER_BOOK.getByName("10").get(order.id)).toEqual(order);
	});
});

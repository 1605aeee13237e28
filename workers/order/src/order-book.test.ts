import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { unwrap } from "../../../test/unwrap";

const items = (sku: string) => [{ sku, quantity: 1 }];
const key = (k: string, fingerprint = "f1") => ({ key: k, fingerprint });

describe("OrderBook.create", () => {
	describe("happy", () => {
		it("keeps every one of many concurrent orders, each once", async () => {
			const book = env.ORDER_BOOK.getByName("7");
			const created = await Promise.all(
				Array.from({ length: 50 }, async (_, n) => unwrap(await book.create(7, items(`sku-${n}`)))),
			);
			const ids = new Set(created.map(({ order }) => order.id));
			expect(ids.size).toBe(50);

			const page = unwrap(await book.list({ limit: 100 }));
			expect(new Set(page.orders.map((o) => o.id))).toEqual(ids);
		});

		it("keeps orders after the object is restarted", async () => {
			const book = env.ORDER_BOOK.getByName("10");
			const { order } = unwrap(await book.create(10, items("durable")));
			// A fresh instance over the same storage, as after eviction or a deploy.
			await evictDurableObject(book);
			expect(await env.ORDER_BOOK.getByName("10").get(order.id)).toEqual(order);
		});
	});
});

describe("OrderBook.create with an Idempotency-Key", () => {
	describe("happy", () => {
		it("replays the first response for a retry, placing one order", async () => {
			const book = env.ORDER_BOOK.getByName("11");
			const first = unwrap(await book.create(11, items("a"), key("k1")));
			const retry = unwrap(await book.create(11, items("a"), key("k1")));
			expect(first.replayed).toBe(false);
			expect(retry).toEqual({ order: first.order, replayed: true });
			expect(unwrap(await book.list({ limit: 10 })).orders).toHaveLength(1);
		});

		it("places one order for many concurrent retries", async () => {
			const book = env.ORDER_BOOK.getByName("12");
			const results = await Promise.all(
				Array.from({ length: 20 }, async () => unwrap(await book.create(12, items("a"), key("k")))),
			);
			expect(new Set(results.map(({ order }) => order.id)).size).toBe(1);
			expect(results.filter(({ replayed }) => !replayed)).toHaveLength(1);
			expect(unwrap(await book.list({ limit: 100 })).orders).toHaveLength(1);
		});

		it("replays the first response even after the order was cancelled", async () => {
			const book = env.ORDER_BOOK.getByName("14");
			const first = unwrap(await book.create(14, items("a"), key("k")));
			await book.cancel(first.order.id);
			expect(unwrap(await book.create(14, items("a"), key("k"))).order.status).toBe("created");
		});
	});

	describe("errors", () => {
		it("refuses the same key with another body", async () => {
			const book = env.ORDER_BOOK.getByName("13");
			await book.create(13, items("a"), key("k", "f1"));
			expect(await book.create(13, items("b"), key("k", "f2"))).toEqual({
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
			const { order } = unwrap(await book.create(15, items("a")));
			expect(unwrap(await book.cancel(order.id)).status).toBe("cancelled");
		});
	});

	describe("errors", () => {
		it("reports an order already cancelled, and one it does not hold", async () => {
			const book = env.ORDER_BOOK.getByName("16");
			const { order } = unwrap(await book.create(16, items("a")));
			await book.cancel(order.id);
			expect(await book.cancel(order.id)).toEqual({ ok: false, error: "already_cancelled" });
			expect(await book.cancel(crypto.randomUUID())).toEqual({ ok: false, error: "not_found" });
		});
	});
});

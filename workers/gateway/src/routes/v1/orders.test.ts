import { describe, expect, it } from "vitest";
import { INJECTIONS } from "#test/hostile";
import { api, expectProblem, postJson, signUp } from "#test/requests";

type Order = { id: string; userId: number; items: unknown[]; status: string; createdAt: string };

const items = [{ sku: "book-1", quantity: 2 }];

async function placeOrder(headers: Record<string, string>, body: unknown = { items }) {
	const res = await postJson("/api/v1/orders", body, headers);
	return { res, order: (await res.clone().json()) as Order };
}

async function listOrders(headers: Record<string, string>, query = "") {
	const res = await api(`/api/v1/orders${query}`, { headers });
	return (await res.json()) as { orders: Order[]; nextCursor: string | null };
}

describe("POST /api/v1/orders", () => {
	describe("happy", () => {
		it("places an order: 201, the order and its Location", async () => {
			const { user, headers } = await signUp();
			const { res, order } = await placeOrder(headers);
			expect(res.status).toBe(201);
			expect(order).toEqual({
				id: expect.stringMatching(/^[0-9a-f-]{36}$/),
				userId: user.id,
				items,
				status: "created",
				createdAt: expect.any(String),
			});
			expect(res.headers.get("location")).toBe(`/api/v1/orders/${order.id}`);
			expect(res.headers.get("idempotent-replayed")).toBeNull();
		});
	});

	describe("errors", () => {
		it.each([
			["no items", { items: [] }, "items"],
			["101 items", { items: Array.from({ length: 101 }, () => items[0]) }, "items"],
			["quantity 0", { items: [{ sku: "a", quantity: 0 }] }, "items.0.quantity"],
			["quantity 1001", { items: [{ sku: "a", quantity: 1001 }] }, "items.0.quantity"],
			["a fractional quantity", { items: [{ sku: "a", quantity: 1.5 }] }, "items.0.quantity"],
			["an empty sku", { items: [{ sku: "", quantity: 1 }] }, "items.0.sku"],
			["a 65-character sku", { items: [{ sku: "s".repeat(65), quantity: 1 }] }, "items.0.sku"],
			[
				"a sku with a control character",
				{ items: [{ sku: "a\u0007", quantity: 1 }] },
				"items.0.sku",
			],
			[
				"a sku with a right-to-left override",
				{ items: [{ sku: "abc\u202Etxt.exe", quantity: 1 }] },
				"items.0.sku",
			],
			[
				"a sku with a zero-width space",
				{ items: [{ sku: "a\u200Bb", quantity: 1 }] },
				"items.0.sku",
			],
			["a blank sku", { items: [{ sku: "   ", quantity: 1 }] }, "items.0.sku"],
			["a sku with a line separator", { items: [{ sku: "a\u2028b", quantity: 1 }] }, "items.0.sku"],
			["an unknown item field", { items: [{ sku: "a", quantity: 1, price: 0 }] }, "items.0.price"],
		])("is 400 for %s", async (_case, body, path) => {
			const { headers } = await signUp();
			const problem = await expectProblem(await postJson("/api/v1/orders", body, headers), 400);
			expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
		});

		it("is 404 for a path below /orders that is no route", async () => {
			await expectProblem(await api("/api/v1/orders/a/b"), 404);
		});
	});

	describe("security", () => {
		it("limits one account's order requests, so no client can keep its Durable Object busy", async () => {
			const alice = await signUp();
			const bob = await signUp();
			// The limit is 200 per 10 s window (wrangler.toml). 401 requests, sent
			// in quick bursts, span at most two windows even on a slow machine,
			// so one of them sees more than 200 whichever moment it starts at.
			const responses: Response[] = [];
			for (let sent = 0; sent < 401; sent += 25) {
				const burst = Array.from({ length: Math.min(25, 401 - sent) }, () =>
					api(`/api/v1/orders/${crypto.randomUUID()}`, { headers: alice.headers }),
				);
				responses.push(...(await Promise.all(burst)));
			}
			const admitted = responses.filter((res) => res.status === 404);
			const limited = responses.filter((res) => res.status === 429);
			expect(admitted.length + limited.length).toBe(401);
			expect(admitted.length).toBeGreaterThanOrEqual(200);
			const [refused] = limited;
			if (!refused) throw new Error("no request was limited");
			expect(refused.headers.get("retry-after")).toBe("10");
			expect(await expectProblem(refused, 429)).toMatchObject({
				detail: "Too many order requests for this account; try again in 10 seconds",
			});
			expect((await placeOrder(bob.headers)).res.status).toBe(201);
		});

		it.each([
			["a userId", { items, userId: 1 }, "userId"],
			["a status", { items, status: "cancelled" }, "status"],
		])("refuses %s in the body: 400, nothing mass-assigned", async (_case, body, path) => {
			const { headers } = await signUp();
			const problem = await expectProblem(await postJson("/api/v1/orders", body, headers), 400);
			expect(problem.errors).toEqual([{ path, message: "unknown field" }]);
			expect((await listOrders(headers)).orders).toEqual([]);
		});

		it("is 401 without a token, checked before the body", async () => {
			await expectProblem(await postJson("/api/v1/orders", { items }), 401);
			await expectProblem(await postJson("/api/v1/orders", { items: "nonsense" }), 401);
		});

		it("stores SQL and path injection in skus as text", async () => {
			const { headers } = await signUp();
			const injected = INJECTIONS.map((sku) => ({ sku, quantity: 1 }));
			const { res, order } = await placeOrder(headers, { items: injected });
			expect(res.status).toBe(201);
			const read = await api(`/api/v1/orders/${order.id}`, { headers });
			expect(await read.json()).toMatchObject({ items: injected });
			expect((await listOrders(headers)).orders).toEqual([order]);
		});
	});
});

describe("POST /api/v1/orders with an Idempotency-Key", () => {
	describe("happy", () => {
		it("replays the first response for the same key and body, placing one order", async () => {
			const { headers } = await signUp();
			const keyed = { ...headers, "Idempotency-Key": "order-2026-001" };
			const first = await placeOrder(keyed);
			const again = await placeOrder(keyed);
			expect(again.res.status).toBe(201);
			expect(again.res.headers.get("idempotent-replayed")).toBe("true");
			expect(again.res.headers.get("location")).toBe(first.res.headers.get("location"));
			expect(again.order).toEqual(first.order);
			expect((await listOrders(headers)).orders).toHaveLength(1);
		});

		it("places one order for concurrent retries", async () => {
			const { headers } = await signUp();
			const keyed = { ...headers, "Idempotency-Key": "concurrent" };
			const results = await Promise.all(Array.from({ length: 10 }, () => placeOrder(keyed)));
			expect(new Set(results.map(({ order }) => order.id)).size).toBe(1);
			expect((await listOrders(headers)).orders).toHaveLength(1);
		});
	});

	describe("errors", () => {
		it("is 422 for the same key with another body", async () => {
			const { headers } = await signUp();
			const keyed = { ...headers, "Idempotency-Key": "k-1" };
			await placeOrder(keyed);
			const res = await postJson(
				"/api/v1/orders",
				{ items: [{ sku: "other", quantity: 1 }] },
				keyed,
			);
			await expectProblem(res, 422);
		});

		it("is 400 when longer than 255 characters", async () => {
			const { headers } = await signUp();
			const res = await postJson(
				"/api/v1/orders",
				{ items },
				{ ...headers, "Idempotency-Key": "k".repeat(256) },
			);
			await expectProblem(res, 400);
		});
	});

	describe("security", () => {
		it("is scoped to the user: another user's same key places their own order", async () => {
			const alice = await signUp();
			const bob = await signUp();
			const a = await placeOrder({ ...alice.headers, "Idempotency-Key": "shared" });
			const b = await placeOrder({ ...bob.headers, "Idempotency-Key": "shared" });
			expect(b.res.headers.get("idempotent-replayed")).toBeNull();
			expect(b.order.id).not.toBe(a.order.id);
			expect(b.order.userId).toBe(bob.user.id);
		});

		it("takes SQL and path injection in the key as text: each its own key, replayed only by itself", async () => {
			const { headers } = await signUp();
			const first = await placeOrder({ ...headers, "Idempotency-Key": "plain-key" });
			const placed = new Set([first.order.id]);
			for (const key of INJECTIONS) {
				const keyed = { ...headers, "Idempotency-Key": key };
				const { res, order } = await placeOrder(keyed);
				expect(res.headers.get("idempotent-replayed"), key).toBeNull();
				placed.add(order.id);
				const again = await placeOrder(keyed);
				expect(again.res.headers.get("idempotent-replayed"), key).toBe("true");
				expect(again.order.id).toBe(order.id);
			}
			expect(placed.size).toBe(INJECTIONS.length + 1);
			expect((await listOrders(headers, "?limit=100")).orders).toHaveLength(placed.size);
		});
	});
});

describe("GET /api/v1/orders", () => {
	describe("happy", () => {
		it("lists the caller's orders newest first, in pages", async () => {
			const { headers } = await signUp();
			const placed: string[] = [];
			for (const sku of ["a", "b", "c"]) {
				placed.push((await placeOrder(headers, { items: [{ sku, quantity: 1 }] })).order.id);
			}
			const first = await listOrders(headers, "?limit=2");
			expect(first.orders.map((o) => o.id)).toEqual([placed[2], placed[1]]);
			const rest = await listOrders(
				headers,
				`?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
			);
			expect(rest).toEqual({
				orders: [expect.objectContaining({ id: placed[0] })],
				nextCursor: null,
			});
		});

		it("defaults to 20 orders a page", async () => {
			const { headers } = await signUp();
			for (let n = 0; n < 21; n++) await placeOrder(headers);
			const page = await listOrders(headers);
			expect(page.orders).toHaveLength(20);
			expect(page.nextCursor).not.toBeNull();
		});
	});

	describe("errors", () => {
		// Spellings JavaScript reads as a number are not the decimal digits the document's integer is.
		it.each([
			"limit=0",
			"limit=101",
			"limit=abc",
			"limit=2.5",
			"limit=1&limit=2",
			"limit=0x10",
			"limit=1e1",
			"limit=%2B5",
			"limit=%205",
			"limit=5%20",
			"limit=5.0",
			"limit=",
			"limit=%EF%BC%95",
		])("is 400 for %s, with a message a person understands", async (query) => {
			const { headers } = await signUp();
			const problem = await expectProblem(await api(`/api/v1/orders?${query}`, { headers }), 400);
			expect(problem.errors).toEqual([
				{ path: "limit", message: "must be one whole number from 1 to 100, in decimal digits" },
			]);
		});

		it("takes limit in decimal digits, leading zeros too", async () => {
			const { headers } = await signUp();
			for (const limit of ["1", "05", "100"]) {
				expect((await api(`/api/v1/orders?limit=${limit}`, { headers })).status, limit).toBe(200);
			}
		});

		it.each(["cursor=bm9wZQ", `cursor=${btoa("n:1")}`, "cursor=a&cursor=b"])(
			"is 400 for %s",
			async (query) => {
				const { headers } = await signUp();
				await expectProblem(await api(`/api/v1/orders?${query}`, { headers }), 400);
			},
		);
	});

	describe("security", () => {
		it("never shows another user's orders", async () => {
			const alice = await signUp();
			const bob = await signUp();
			await placeOrder(alice.headers);
			expect(await listOrders(bob.headers)).toEqual({ orders: [], nextCursor: null });
		});

		it("never shows alice's orders to bob through her cursor", async () => {
			const alice = await signUp();
			const bob = await signUp();
			const alices = [];
			for (let n = 0; n < 4; n++) alices.push((await placeOrder(alice.headers)).order.id);
			const bobs = (await placeOrder(bob.headers)).order.id;
			const { nextCursor } = await listOrders(alice.headers, "?limit=1");
			const res = await api(`/api/v1/orders?cursor=${encodeURIComponent(nextCursor ?? "")}`, {
				headers: bob.headers,
			});
			expect(res.status).toBe(200);
			const text = await res.text();
			for (const id of alices) expect(text).not.toContain(id);
			expect(JSON.parse(text)).toEqual({
				orders: [expect.objectContaining({ id: bobs })],
				nextCursor: null,
			});
		});

		it("is 400 for SQL and path injection in limit or cursor", async () => {
			const { headers } = await signUp();
			await placeOrder(headers);
			for (const text of [...INJECTIONS, "1 OR 1=1"]) {
				const value = encodeURIComponent(text);
				await expectProblem(await api(`/api/v1/orders?limit=${value}`, { headers }), 400);
				await expectProblem(await api(`/api/v1/orders?cursor=${value}`, { headers }), 400);
				const smuggled = encodeURIComponent(btoa(`o:${text}`));
				await expectProblem(await api(`/api/v1/orders?cursor=${smuggled}`, { headers }), 400);
			}
		});
	});
});

describe("GET /api/v1/orders/{id}", () => {
	describe("happy", () => {
		it("is the order", async () => {
			const { headers } = await signUp();
			const { order } = await placeOrder(headers);
			const res = await api(`/api/v1/orders/${order.id}`, { headers });
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual(order);
		});

		it("is the same order for its id in upper case, for a read and a cancel", async () => {
			const { headers } = await signUp();
			const { order } = await placeOrder(headers);
			const upper = order.id.toUpperCase();
			const res = await api(`/api/v1/orders/${upper}`, { headers });
			expect(await res.json()).toEqual(order);
			const cancelled = await api(`/api/v1/orders/${upper}/cancel`, { method: "POST", headers });
			expect(await cancelled.json()).toEqual({ ...order, status: "cancelled" });
		});
	});

	describe("errors", () => {
		it("is 404 for an unknown id and 400 for a malformed one", async () => {
			const { headers } = await signUp();
			await expectProblem(await api(`/api/v1/orders/${crypto.randomUUID()}`, { headers }), 404);
			await expectProblem(await api("/api/v1/orders/not-an-id", { headers }), 400);
		});
	});

	describe("security", () => {
		it("is 404 for another user's order and 401 without a token", async () => {
			const alice = await signUp();
			const bob = await signUp();
			const { order } = await placeOrder(alice.headers);
			await expectProblem(await api(`/api/v1/orders/${order.id}`, { headers: bob.headers }), 404);
			await expectProblem(await api(`/api/v1/orders/${order.id}`), 401);
		});

		it("is 400 or 404, never an order, for SQL and path injection in the id", async () => {
			const { headers } = await signUp();
			const { order } = await placeOrder(headers);
			// Raw as well as encoded: a raw `..` is resolved by the URL before it is sent.
			for (const id of [
				...INJECTIONS,
				`${order.id}' OR '1'='1`,
				`${order.id}%2F..%2F${order.id}`,
			]) {
				for (const path of [`/api/v1/orders/${encodeURIComponent(id)}`, `/api/v1/orders/${id}`]) {
					const res = await api(path, { headers });
					expect([400, 404], path).toContain(res.status);
					expect(await res.text()).not.toContain(`"userId"`);
				}
			}
		});
	});
});

describe("POST /api/v1/orders/{id}/cancel", () => {
	const cancel = (id: string, headers: Record<string, string>) =>
		api(`/api/v1/orders/${id}/cancel`, { method: "POST", headers });

	describe("happy", () => {
		it("cancels once (200), then 409", async () => {
			const { headers } = await signUp();
			const { order } = await placeOrder(headers);
			const res = await cancel(order.id, headers);
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({ ...order, status: "cancelled" });
			await expectProblem(await cancel(order.id, headers), 409);
			const read = await api(`/api/v1/orders/${order.id}`, { headers });
			expect(await read.json()).toMatchObject({ status: "cancelled" });
		});
	});

	describe("errors", () => {
		it("is 404 for an unknown order", async () => {
			const { headers } = await signUp();
			await expectProblem(await cancel(crypto.randomUUID(), headers), 404);
		});
	});

	describe("security", () => {
		it("cannot cancel another user's order", async () => {
			const alice = await signUp();
			const bob = await signUp();
			const { order } = await placeOrder(alice.headers);
			await expectProblem(await cancel(order.id, bob.headers), 404);
			const read = await api(`/api/v1/orders/${order.id}`, { headers: alice.headers });
			expect(await read.json()).toMatchObject({ status: "created" });
		});

		it("cancels nothing through SQL and path injection in the id", async () => {
			const { headers } = await signUp();
			const { order } = await placeOrder(headers);
			for (const id of [...INJECTIONS, `${order.id}' OR '1'='1`, `x' OR id='${order.id}`]) {
				const res = await cancel(encodeURIComponent(id), headers);
				expect([400, 404], id).toContain(res.status);
				await expectProblem(res, res.status);
			}
			expect((await listOrders(headers)).orders).toEqual([order]);
		});
	});
});

import { describe, expect, it, vi } from "vitest";
import { api, expectProblem, postJson, signUp, uniqueName } from "#test/requests";
import { countInAllShards, shardHolding } from "#test/users-shards";

type Notification = { id: string; kind: string; orderId?: string; createdAt: string };
type Page = { notifications: Notification[]; nextCursor: string | null };

const listNotifications = async (headers: Record<string, string>, query = "") =>
	(await (await api(`/api/v1/users/me/notifications${query}`, { headers })).json()) as Page;

/** Waits (at most 5 s, the design's promise) until the user has `count` notifications. */
function notificationsOnceThere(headers: Record<string, string>, count: number) {
	return vi.waitFor(
		async () => {
			const page = await listNotifications(headers);
			if (page.notifications.length < count) throw new Error(`${page.notifications.length} so far`);
			return page;
		},
		{ timeout: 5_000, interval: 100 },
	);
}

describe("GET /api/v1/users/me/notifications", () => {
	describe("happy", () => {
		it("moves notifications recorded in D1 before they lived in the Account object, once, in order", async () => {
			const { user, headers } = await signUp();
			// As the consumer wrote them before: 3 rows in D1, older than anything new.
			const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
			const shard = await shardHolding(user.id);
			for (const [n, id] of ids.entries()) {
				await shard
					.prepare(
						"INSERT INTO notifications (id, user_id, kind, order_id, created_at) VALUES (?, ?, 'order_confirmation', ?, ?)",
					)
					.bind(id, user.id, crypto.randomUUID(), Date.parse("2026-01-01T00:00:00Z") + n)
					.run();
			}
			const page = await notificationsOnceThere(headers, 4);
			expect(page.notifications.slice(1).map((n) => n.id)).toEqual(ids.toReversed());
			const left = await countInAllShards(
				"SELECT count(*) AS n FROM notifications WHERE user_id = ?",
				user.id,
			);
			expect(left).toBe(0);
			expect((await listNotifications(headers)).notifications).toEqual(page.notifications);
		});

		it("shows a welcome and an order confirmation naming the order, each once, newest first", async () => {
			const { headers } = await signUp();
			const order = (await (
				await postJson("/api/v1/orders", { items: [{ sku: "book-1", quantity: 1 }] }, headers)
			).json()) as { id: string };
			const page = await notificationsOnceThere(headers, 2);
			expect(page).toEqual({
				notifications: [
					{
						id: expect.stringMatching(/^[0-9a-f-]{36}$/),
						kind: "order_confirmation",
						orderId: order.id,
						createdAt: expect.any(String),
					},
					{ id: expect.any(String), kind: "welcome", createdAt: expect.any(String) },
				],
				nextCursor: null,
			});
			// Nothing more arrives: each event was recorded once.
			await new Promise((resolve) => setTimeout(resolve, 1_500));
			expect((await listNotifications(headers)).notifications).toHaveLength(2);
		});

		it("has them for users and orders of the tutorial's routes too", async () => {
			const username = uniqueName("tut");
			await postJson("/register", { username, password: "pass123" });
			const login = (await (
				await postJson("/api/v1/auth/login", { username, password: "pass123" })
			).json()) as { accessToken: string };
			const headers = { Authorization: `Bearer ${login.accessToken}` };
			const me = (await (await api("/api/v1/users/me", { headers })).json()) as { id: number };
			await postJson("/create_order", { user_id: me.id, items: ["item1"] });
			const page = await notificationsOnceThere(headers, 2);
			expect(page.notifications.map((n) => n.kind)).toEqual(["order_confirmation", "welcome"]);
		});

		it("pages with limit and cursor", async () => {
			const { headers } = await signUp();
			await postJson("/api/v1/orders", { items: [{ sku: "a", quantity: 1 }] }, headers);
			await notificationsOnceThere(headers, 2);
			const first = await listNotifications(headers, "?limit=1");
			expect(first.notifications.map((n) => n.kind)).toEqual(["order_confirmation"]);
			const rest = await listNotifications(
				headers,
				`?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? "")}`,
			);
			expect(rest).toEqual({
				notifications: [expect.objectContaining({ kind: "welcome" })],
				nextCursor: null,
			});
		});
	});

	describe("errors", () => {
		it.each(["limit=0", "limit=101", "cursor=bm9wZQ", `cursor=${btoa("o:1")}`])(
			"is 400 for %s",
			async (query) => {
				const { headers } = await signUp();
				await expectProblem(await api(`/api/v1/users/me/notifications?${query}`, { headers }), 400);
			},
		);
	});

	describe("security", () => {
		it("is 401 without a token and never shows another user's notifications", async () => {
			await expectProblem(await api("/api/v1/users/me/notifications"), 401);
			const alice = await signUp();
			const bob = await signUp();
			const alices = await notificationsOnceThere(alice.headers, 1);
			const bobs = await notificationsOnceThere(bob.headers, 1);
			expect(bobs.notifications.map((n) => n.id)).not.toContain(alices.notifications[0]?.id);
		});

		it("never shows alice's notifications to bob through her cursor", async () => {
			const alice = await signUp();
			const bob = await signUp();
			await postJson("/api/v1/orders", { items: [{ sku: "a", quantity: 1 }] }, alice.headers);
			const alices = await notificationsOnceThere(alice.headers, 2);
			const bobs = await notificationsOnceThere(bob.headers, 1);
			const { nextCursor } = await listNotifications(alice.headers, "?limit=1");
			const res = await api(
				`/api/v1/users/me/notifications?cursor=${encodeURIComponent(nextCursor ?? "")}`,
				{ headers: bob.headers },
			);
			const text = await res.text();
			for (const { id } of alices.notifications) expect(text).not.toContain(id);
			// At most his own, from where her cursor points in his list.
			const page = JSON.parse(text) as Page;
			for (const { id } of page.notifications) {
				expect(bobs.notifications.map((n) => n.id)).toContain(id);
			}
		});
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "#test/call-context";
import { orderCreated, userRegistered } from "#test/events";
import { unwrap } from "#test/unwrap";

const call = testCall();
let accounts = 0;

/** A fresh Account object with one live session, as after a login. */
async function account() {
	accounts += 1;
	const userId = 5_000 + accounts;
	const stub = env.ACCOUNT.getByName(String(userId));
	const session = await stub.start(call, `hash-${userId}`, 0);
	if (!session) throw new Error("no session");
	return { userId, stub, sessionId: session.id };
}

describe("Account.notify", () => {
	describe("happy", () => {
		it("records the notification an event calls for", async () => {
			const { userId, stub } = await account();
			const welcome = userRegistered(userId);
			expect(await stub.notify(call, welcome)).toMatchObject({
				id: welcome.eventId,
				kind: "welcome",
				order_id: null,
				emailed_at: null,
			});
		});
	});

	describe("errors", () => {
		it("records an event delivered twice once, and returns the first record", async () => {
			const { userId, stub, sessionId } = await account();
			const confirmation = orderCreated(userId);
			const first = await stub.notify(call, confirmation);
			await stub.markEmailed(call, confirmation.eventId);
			const again = await stub.notify(call, confirmation);
			expect(again).toEqual({ ...first, emailed_at: expect.any(Number) });
			await stub.moveLegacy(call, [], true);
			const page = unwrap(await stub.notifications(call, sessionId, { limit: 10 }));
			expect(page.notifications).toHaveLength(1);
		});

		it("records nothing once the account is deleted", async () => {
			const { userId, stub } = await account();
			await stub.notify(call, userRegistered(userId));
			await stub.close(call);
			expect(await stub.notify(call, orderCreated(userId))).toBeNull();
		});
	});
});

describe("Account.notifications", () => {
	describe("happy", () => {
		it("pages newest first until the end", async () => {
			const { userId, stub, sessionId } = await account();
			await stub.moveLegacy(call, [], true);
			const welcome = userRegistered(userId);
			const [older, newest] = [orderCreated(userId), orderCreated(userId)];
			for (const event of [welcome, older, newest]) await stub.notify(call, event);

			const first = unwrap(await stub.notifications(call, sessionId, { limit: 2 }));
			expect(first.notifications).toEqual([
				{
					id: newest.eventId,
					kind: "order_confirmation",
					orderId: newest.orderId,
					createdAt: expect.any(String),
				},
				expect.objectContaining({ id: older.eventId }),
			]);
			const rest = unwrap(
				await stub.notifications(call, sessionId, { limit: 2, cursor: first.nextCursor ?? "" }),
			);
			expect(rest).toEqual({
				notifications: [{ id: welcome.eventId, kind: "welcome", createdAt: expect.any(String) }],
				nextCursor: null,
			});
		});

		it("asks for the D1 notifications to be moved first, keeps their seq, and numbers new ones after", async () => {
			const { userId, stub, sessionId } = await account();
			expect(await stub.notifications(call, sessionId, { limit: 10 })).toEqual({
				ok: false,
				error: "move_legacy",
			});
			const moved = {
				seq: 41,
				id: crypto.randomUUID(),
				kind: "welcome" as const,
				order_id: null,
				created_at: Date.parse("2026-01-01T00:00:00Z"),
				emailed_at: null,
			};
			await stub.moveLegacy(call, [moved], false);
			await stub.moveLegacy(call, [moved], true);
			const next = orderCreated(userId);
			expect(await stub.notify(call, next)).toMatchObject({ seq: 42 });
			const page = unwrap(await stub.notifications(call, sessionId, { limit: 10 }));
			expect(page.notifications.map((n) => n.id)).toEqual([next.eventId, moved.id]);
			// A cursor issued from D1 before the move still finds its place.
			const fromD1 = unwrap(
				await stub.notifications(call, sessionId, { limit: 10, cursor: btoa("n:42") }),
			);
			expect(fromD1.notifications.map((n) => n.id)).toEqual([moved.id]);
		});
	});

	describe("errors", () => {
		it.each([
			["not base64", "%%%"],
			["an order list's cursor", btoa("o:5")],
		])("refuses a cursor that is %s", async (_case, cursor) => {
			const { stub, sessionId } = await account();
			await stub.moveLegacy(call, [], true);
			expect(await stub.notifications(call, sessionId, { limit: 2, cursor })).toEqual({
				ok: false,
				error: "invalid_cursor",
			});
		});
	});

	describe("security", () => {
		it("lists nothing for a session that is not live", async () => {
			const { stub } = await account();
			expect(await stub.notifications(call, "0".repeat(32), { limit: 10 })).toEqual({
				ok: false,
				error: "invalid_session",
			});
		});
	});
});

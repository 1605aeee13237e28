import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "../../../test/call-context";
import { orderCreated, userRegistered } from "../../../test/events";
import { unwrap } from "../../../test/unwrap";
import { listNotifications, recordNotification } from "./notifications";
import { deleteUser, insertUser, usersDb } from "./users";

const db = () => usersDb(env.DB);

/** A stored user's id: notifications are recorded only for users who exist. */
async function userNamed(username: string): Promise<number> {
	const user = { username, passwordHash: "x", createdAt: new Date() };
	return unwrap(await insertUser(db(), user, testCall())).user.id;
}

describe("recordNotification", () => {
	describe("happy", () => {
		it("records the notification an event calls for", async () => {
			const userId = await userNamed("ann");
			const welcome = userRegistered(userId);
			const row = await recordNotification(db(), welcome, new Date("2026-03-04T05:06:07.000Z"));
			expect(row).toMatchObject({
				id: welcome.eventId,
				userId,
				kind: "welcome",
				orderId: null,
				emailedAt: null,
			});
		});
	});

	describe("errors", () => {
		it("records an event delivered twice once, and returns the first record", async () => {
			const userId = await userNamed("ben");
			const confirmation = orderCreated(userId);
			const first = await recordNotification(db(), confirmation, new Date());
			const again = await recordNotification(db(), confirmation, new Date(Date.now() + 1000));
			expect(again).toEqual(first);
			const page = unwrap(await listNotifications(db(), userId, { limit: 10 }));
			expect(page.notifications).toHaveLength(1);
		});

		it("records nothing for a user who is gone, or who never was", async () => {
			const userId = await userNamed("cid");
			await deleteUser(db(), userId, testCall());
			expect(await recordNotification(db(), orderCreated(userId), new Date())).toBeNull();
			expect(await recordNotification(db(), userRegistered(424_242), new Date())).toBeNull();
			const page = unwrap(await listNotifications(db(), userId, { limit: 10 }));
			expect(page.notifications).toEqual([]);
		});
	});
});

describe("listNotifications", () => {
	describe("happy", () => {
		it("pages a user's notifications newest first until the end", async () => {
			const [userId, otherId] = [await userNamed("dee"), await userNamed("eve")];
			const welcome = userRegistered(userId);
			const [older, newest] = [orderCreated(userId), orderCreated(userId)];
			for (const e of [welcome, older, newest]) await recordNotification(db(), e, new Date());
			await recordNotification(db(), orderCreated(otherId), new Date());

			const first = unwrap(await listNotifications(db(), userId, { limit: 2 }));
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
				await listNotifications(db(), userId, { limit: 2, cursor: first.nextCursor ?? "" }),
			);
			expect(rest).toEqual({
				notifications: [{ id: welcome.eventId, kind: "welcome", createdAt: expect.any(String) }],
				nextCursor: null,
			});
		});
	});

	describe("errors", () => {
		it.each([
			["not base64", "%%%"],
			["an order list's cursor", btoa("o:5")],
		])("refuses a cursor that is %s", async (_case, cursor) => {
			expect(await listNotifications(db(), 3, { limit: 2, cursor })).toEqual({
				ok: false,
				error: "invalid_cursor",
			});
		});
	});

	describe("security", () => {
		it("never lists another user's notifications, whatever the cursor", async () => {
			const [userId, otherId] = [await userNamed("fay"), await userNamed("gil")];
			await recordNotification(db(), orderCreated(userId), new Date());
			const page = unwrap(
				await listNotifications(db(), otherId, { limit: 100, cursor: btoa("n:999999") }),
			);
			expect(page.notifications).toEqual([]);
		});
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { orderCreated, userRegistered } from "../../../test/events";
import { unwrap } from "../../../test/unwrap";
import { listNotifications, recordNotification } from "./notifications";
import { usersDb } from "./users";

const db = () => usersDb(env.DB);

describe("recordNotification", () => {
	describe("happy", () => {
		it("records the notification an event calls for", async () => {
			const welcome = userRegistered(1);
			const row = await recordNotification(db(), welcome, new Date("2026-03-04T05:06:07.000Z"));
			expect(row).toMatchObject({
				id: welcome.eventId,
				userId: 1,
				kind: "welcome",
				orderId: null,
				emailedAt: null,
			});
		});
	});

	describe("errors", () => {
		it("records an event delivered twice once, and returns the first record", async () => {
			const confirmation = orderCreated(2);
			const first = await recordNotification(db(), confirmation, new Date());
			const again = await recordNotification(db(), confirmation, new Date(Date.now() + 1000));
			expect(again).toEqual(first);
			const page = unwrap(await listNotifications(db(), 2, { limit: 10 }));
			expect(page.notifications).toHaveLength(1);
		});
	});
});

describe("listNotifications", () => {
	describe("happy", () => {
		it("pages a user's notifications newest first until the end", async () => {
			const welcome = userRegistered(3);
			const [older, newest] = [orderCreated(3), orderCreated(3)];
			for (const e of [welcome, older, newest]) await recordNotification(db(), e, new Date());
			await recordNotification(db(), orderCreated(4), new Date());

			const first = unwrap(await listNotifications(db(), 3, { limit: 2 }));
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
				await listNotifications(db(), 3, { limit: 2, cursor: first.nextCursor ?? "" }),
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
			await recordNotification(db(), orderCreated(5), new Date());
			const page = unwrap(
				await listNotifications(db(), 6, { limit: 100, cursor: btoa("n:999999") }),
			);
			expect(page.notifications).toEqual([]);
		});
	});
});

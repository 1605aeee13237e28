import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deleteLegacy, legacyBatch, MOVE_BATCH } from "./legacy-notifications";
import { usersDb } from "./users";

const db = () => usersDb(env.USERS_DB_0);

/** Notifications as the consumer wrote them to D1 before they moved. */
async function storedInD1(userId: number, count: number) {
	for (let n = 0; n < count; n++) {
		await env.USERS_DB_0.prepare(
			"INSERT INTO notifications (id, user_id, kind, order_id, created_at, emailed_at) VALUES (?, ?, 'order_confirmation', ?, ?, ?)",
		)
			.bind(crypto.randomUUID(), userId, crypto.randomUUID(), 1_000 + n, n % 2 ? 2_000 + n : null)
			.run();
	}
}

describe("legacyBatch and deleteLegacy", () => {
	describe("happy", () => {
		it("read a user's D1 notifications oldest first in batches, as the Account object stores them", async () => {
			await storedInD1(7, MOVE_BATCH + 3);
			await storedInD1(8, 2);
			const first = await legacyBatch(db(), 7, 0);
			expect(first).toHaveLength(MOVE_BATCH);
			expect(first[0]).toEqual({
				seq: expect.any(Number),
				id: expect.any(String),
				kind: "order_confirmation",
				order_id: expect.any(String),
				created_at: 1_000,
				emailed_at: null,
			});
			const last = first.at(-1)?.seq ?? 0;
			const rest = await legacyBatch(db(), 7, last);
			expect(rest).toHaveLength(3);
			expect(rest.every((row) => row.seq > last)).toBe(true);

			await deleteLegacy(db(), 7, rest.at(-1)?.seq ?? 0);
			expect(await legacyBatch(db(), 7, 0)).toEqual([]);
			expect(await legacyBatch(db(), 8, 0)).toHaveLength(2);
		});
	});
});

import { and, asc, eq, gt, lte } from "drizzle-orm";
import { legacyNotifications } from "./db/schema";
import type { NotificationRow } from "./notifications";
import type { UsersDb } from "./users";

/**
 * Notifications recorded in D1 before they moved into each user's Account
 * object. Nothing writes them any more; the first list of a user's
 * notifications moves that user's rows over (UserService.listNotifications),
 * with their seq, and deletes them here.
 */

/** Rows moved per read: one RPC call to the Account object each. */
export const MOVE_BATCH = 500;

/** The next of a user's rows after `afterSeq`, oldest first, as the Account object stores them. */
export async function legacyBatch(
	db: UsersDb,
	userId: number,
	afterSeq: number,
): Promise<NotificationRow[]> {
	const rows = await db
		.select()
		.from(legacyNotifications)
		.where(and(eq(legacyNotifications.userId, userId), gt(legacyNotifications.seq, afterSeq)))
		.orderBy(asc(legacyNotifications.seq))
		.limit(MOVE_BATCH);
	return rows.map((row) => ({
		seq: row.seq,
		id: row.id,
		kind: row.kind,
		order_id: row.orderId,
		created_at: row.createdAt.getTime(),
		emailed_at: row.emailedAt?.getTime() ?? null,
	}));
}

/** Deletes a user's rows up to `upToSeq`, which the Account object now holds. */
export async function deleteLegacy(db: UsersDb, userId: number, upToSeq: number): Promise<void> {
	await db
		.delete(legacyNotifications)
		.where(and(eq(legacyNotifications.userId, userId), lte(legacyNotifications.seq, upToSeq)));
}

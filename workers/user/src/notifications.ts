import { and, desc, eq, lt, sql } from "drizzle-orm";
import { decodeCursor, pageOf } from "../../../shared/cursor";
import type { TaskEvent } from "../../../shared/events";
import type { Notification, NotificationPage } from "../../../shared/notifications";
import type { PageRequest } from "../../../shared/pagination";
import { fail, ok, type Result } from "../../../shared/rpc";
import { notifications, users } from "./db/schema";
import type { UsersDb } from "./users";

type NotificationRow = typeof notifications.$inferSelect;

// Names the list in its cursors, so a cursor of another list is refused.
const CURSOR_LIST = "n";

/** The events a user is notified of (a deletion leaves nobody to notify). */
export type NotifyingEvent = Exclude<TaskEvent, { type: "user.deleted" }>;

const KIND = {
	"user.registered": "welcome",
	"order.created": "order_confirmation",
} as const satisfies Record<NotifyingEvent["type"], Notification["kind"]>;

function toNotification(row: NotificationRow): Notification {
	return {
		id: row.id,
		kind: row.kind,
		...(row.orderId === null ? {} : { orderId: row.orderId }),
		createdAt: row.createdAt.toISOString(),
	};
}

/**
 * The notification `event` calls for, written once: a redelivered event finds
 * the row its first delivery wrote, with whether its e-mail went out. Null
 * when the user is gone: the insert checks in the same statement, so a
 * deletion either comes after it (and deletes the row) or before it (and
 * nothing is written).
 */
export async function recordNotification(
	db: UsersDb,
	event: NotifyingEvent,
	now: Date,
): Promise<NotificationRow | null> {
	const [, [row]] = await db.batch([
		db
			.insert(notifications)
			// Values in the table's column order; NULL lets SQLite number the row.
			.select(
				sql`SELECT NULL, ${event.eventId}, ${event.userId}, ${KIND[event.type]}, ${event.type === "order.created" ? event.orderId : null}, ${now.getTime()}, NULL
					WHERE EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${event.userId})`,
			)
			.onConflictDoNothing({ target: notifications.id }),
		db.select().from(notifications).where(eq(notifications.id, event.eventId)),
	]);
	return row ?? null;
}

export async function markEmailed(db: UsersDb, id: string, now: Date): Promise<void> {
	await db.update(notifications).set({ emailedAt: now }).where(eq(notifications.id, id));
}

/** A user's notifications, newest first. */
export async function listNotifications(
	db: UsersDb,
	userId: number,
	page: PageRequest,
): Promise<Result<NotificationPage, "invalid_cursor">> {
	const after = page.cursor === undefined ? null : decodeCursor(CURSOR_LIST, page.cursor);
	if (page.cursor !== undefined && after === null) return fail("invalid_cursor");
	const rows = await db
		.select()
		.from(notifications)
		.where(
			and(
				eq(notifications.userId, userId),
				after === null ? undefined : lt(notifications.seq, after),
			),
		)
		.orderBy(desc(notifications.seq))
		.limit(page.limit + 1);
	const { shown, nextCursor } = pageOf(CURSOR_LIST, rows, page.limit);
	return ok({ notifications: shown.map(toNotification), nextCursor });
}

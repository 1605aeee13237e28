import { and, desc, eq, lt } from "drizzle-orm";
import { decodeCursor, pageOf } from "../../../shared/cursor";
import type { TaskEvent } from "../../../shared/events";
import type { Notification, NotificationPage } from "../../../shared/notifications";
import type { PageRequest } from "../../../shared/pagination";
import { fail, ok, type Result } from "../../../shared/rpc";
import { notifications } from "./db/schema";
import type { UsersDb } from "./users";

type NotificationRow = typeof notifications.$inferSelect;

// Names the list in its cursors, so a cursor of another list is refused.
const CURSOR_LIST = "n";

const KIND = {
	"user.registered": "welcome",
	"order.created": "order_confirmation",
} as const satisfies Record<TaskEvent["type"], Notification["kind"]>;

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
 * the row its first delivery wrote, with whether its e-mail went out.
 */
export async function recordNotification(
	db: UsersDb,
	event: TaskEvent,
	now: Date,
): Promise<NotificationRow> {
	const [, [row]] = await db.batch([
		db
			.insert(notifications)
			.values({
				id: event.eventId,
				userId: event.userId,
				kind: KIND[event.type],
				orderId: event.type === "order.created" ? event.orderId : null,
				createdAt: now,
			})
			.onConflictDoNothing({ target: notifications.id }),
		db.select().from(notifications).where(eq(notifications.id, event.eventId)),
	]);
	if (!row) throw new Error(`notification ${event.eventId} was not stored`);
	return row;
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

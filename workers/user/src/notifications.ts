import type { TaskEvent } from "#shared/contracts/events";
import type { Notification, NotificationPage } from "#shared/contracts/notifications";
import type { PageRequest } from "#shared/contracts/pagination";
import { fail, ok, type Result } from "#shared/contracts/rpc";
import { decodeCursor, pageOf } from "#shared/kit/cursor";

/**
 * One user's notifications, in that user's Account object (account.ts):
 * plain functions over its SQLite, each run inside one of the object's
 * synchronous methods, so each is one transaction. One row per event id,
 * however often the event is delivered.
 */

export const NOTIFICATION_TABLES = [
	// seq: insertion order, which lists and cursors page on, newest first. Rows
	// moved from D1 keep their D1 seq, so cursors issued before still work.
	`CREATE TABLE notifications (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		id TEXT NOT NULL UNIQUE,
		kind TEXT NOT NULL,
		order_id TEXT,
		created_at INTEGER NOT NULL,
		emailed_at INTEGER
	)`,
	// One row once the user's notifications recorded in D1 before this table
	// existed have been moved here (see legacy-notifications.ts).
	"CREATE TABLE legacy_moved (id INTEGER PRIMARY KEY CHECK (id = 1), moved_at INTEGER NOT NULL)",
];

/** The events a user is notified of (a deletion leaves nobody to notify). */
export type NotifyingEvent = Exclude<TaskEvent, { type: "user.deleted" }>;

export const KIND = {
	"user.registered": "welcome",
	"order.created": "order_confirmation",
} as const satisfies Record<NotifyingEvent["type"], Notification["kind"]>;

export interface NotificationRow extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	kind: Notification["kind"];
	order_id: string | null;
	created_at: number;
	emailed_at: number | null;
}

// Names the list in its cursors, so a cursor of another list is refused.
const CURSOR_LIST = "n";

function toNotification(row: NotificationRow): Notification {
	return {
		id: row.id,
		kind: row.kind,
		...(row.order_id === null ? {} : { orderId: row.order_id }),
		createdAt: new Date(row.created_at).toISOString(),
	};
}

/**
 * The notification `event` calls for, written once: a redelivered event finds
 * the row its first delivery wrote, with whether its e-mail went out.
 */
export function recordNotification(
	sql: SqlStorage,
	event: NotifyingEvent,
	now: number,
): NotificationRow {
	sql.exec(
		"INSERT INTO notifications (id, kind, order_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
		event.eventId,
		KIND[event.type],
		event.type === "order.created" ? event.orderId : null,
		now,
	);
	return sql.exec<NotificationRow>("SELECT * FROM notifications WHERE id = ?", event.eventId).one();
}

export function markEmailed(sql: SqlStorage, id: string, now: number): void {
	sql.exec("UPDATE notifications SET emailed_at = ? WHERE id = ?", now, id);
}

/** Newest first. */
export function listNotifications(
	sql: SqlStorage,
	page: PageRequest,
): Result<NotificationPage, "invalid_cursor"> {
	const after = page.cursor === undefined ? null : decodeCursor(CURSOR_LIST, page.cursor);
	if (page.cursor !== undefined && after === null) return fail("invalid_cursor");
	const rows = sql
		.exec<NotificationRow>(
			"SELECT * FROM notifications WHERE seq < ? ORDER BY seq DESC LIMIT ?",
			after ?? Number.MAX_SAFE_INTEGER,
			page.limit + 1,
		)
		.toArray();
	const { shown, nextCursor } = pageOf(CURSOR_LIST, rows, page.limit);
	return ok({ notifications: shown.map(toNotification), nextCursor });
}

/** Rows moved from D1, with their seq; a row already here is kept as it is. */
export function importNotifications(sql: SqlStorage, rows: NotificationRow[]): void {
	for (const row of rows) {
		sql.exec(
			"INSERT INTO notifications (seq, id, kind, order_id, created_at, emailed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			row.seq,
			row.id,
			row.kind,
			row.order_id,
			row.created_at,
			row.emailed_at,
		);
	}
}

export function legacyMoved(sql: SqlStorage): boolean {
	return sql.exec("SELECT 1 FROM legacy_moved").toArray().length > 0;
}

export function markLegacyMoved(sql: SqlStorage, now: number): void {
	sql.exec("INSERT OR IGNORE INTO legacy_moved (id, moved_at) VALUES (1, ?)", now);
}

export function deleteNotifications(sql: SqlStorage): void {
	sql.exec("DELETE FROM notifications");
}

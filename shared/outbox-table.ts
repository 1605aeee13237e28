import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The outbox both producers keep beside their own data (the user worker in
 * D1, each OrderBook in its SQLite): events written in the same transaction
 * as the change that caused them, and when each was sent to the tasks queue.
 */
export function outboxTable<Event>() {
	return sqliteTable(
		"outbox",
		{
			eventId: text("event_id").primaryKey(),
			event: text("event", { mode: "json" }).$type<Event>().notNull(),
			createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
			sentAt: integer("sent_at", { mode: "timestamp_ms" }),
		},
		(table) => [index("outbox_unsent").on(table.createdAt).where(sql`sent_at IS NULL`)],
	);
}

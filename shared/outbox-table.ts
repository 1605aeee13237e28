import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The outbox both producers keep beside their own data (the user worker in
 * D1, each OrderBook in its SQLite): events written in the same transaction
 * as the change that caused them, and deleted once the tasks queue has them.
 * What is in it is what is still to send, so it stays small and its scans
 * cheap however many events have gone through.
 */
export function outboxTable<Event>() {
	return sqliteTable(
		"outbox",
		{
			eventId: text("event_id").primaryKey(),
			event: text("event", { mode: "json" }).$type<Event>().notNull(),
			createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		},
		(table) => [index("outbox_created_at").on(table.createdAt)],
	);
}

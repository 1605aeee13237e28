import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * How long an event stays in its outbox after it was sent: 24 hours. The
 * queue holds what it was sent, but a local queue (`wrangler dev`) holds it
 * in memory only, and a consumer that lost its work lost it for good; within
 * this window a redrive can send it again (docs/OPERATIONS.md, "Re-sending
 * events"). The consumer records each event once, so a second send changes
 * nothing.
 * Older sent events are pruned by their sender, a bounded number per run.
 */
export const OUTBOX_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * The outbox both producers keep beside their own data (the user worker in
 * each users database, each OrderBook in its SQLite): events written in the
 * same transaction as the change that caused them, and when each was sent
 * (`sent_at`, null while it is still to send). Pending means `sent_at IS
 * NULL`: its partial index serves "pending, oldest first" and holds only
 * the backlog, so the sender's scan stays as small as that; the other
 * index serves pruning and redrives (`sent_at` in a window).
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
		(table) => [
			index("outbox_pending").on(table.createdAt).where(sql`sent_at IS NULL`),
			index("outbox_sent").on(table.sentAt).where(sql`sent_at IS NOT NULL`),
		],
	);
}

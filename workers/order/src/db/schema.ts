import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { OrderItem } from "../../../../shared/orders";

// One Durable Object per user, so every row here belongs to that one user.
export const orders = sqliteTable("orders", {
	// Insertion order: lists and cursors page on it, newest first.
	seq: integer("seq").primaryKey({ autoIncrement: true }),
	id: text("id").notNull().unique(),
	userId: integer("user_id").notNull(),
	items: text("items", { mode: "json" }).$type<OrderItem[]>().notNull(),
	status: text("status", { enum: ["created", "cancelled"] }).notNull(),
	createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

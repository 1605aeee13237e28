import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { OrderCreated } from "#shared/contracts/events";
import type { Order, OrderItem } from "#shared/contracts/orders";
import { outboxTable } from "#shared/kit/outbox-table";

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

// Idempotency-Key values this user has sent with a create, for 24 hours.
export const idempotencyKeys = sqliteTable(
	"idempotency_keys",
	{
		key: text("key").primaryKey(),
		// SHA-256 of the request body: the same key with another body is refused.
		fingerprint: text("fingerprint").notNull(),
		// The first response's order, replayed as it was then.
		response: text("response", { mode: "json" }).$type<Order>().notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(table) => [index("idempotency_keys_created_at").on(table.createdAt)],
);

// order.created events, written in the same transaction as their order and
// sent to the tasks queue by the object's alarm (see outbox.ts).
export const outbox = outboxTable<OrderCreated>();

// One row once the user is deleted (OrderBook.erase): the book then holds
// nothing and takes no order, so a create that raced the deletion cannot
// leave one behind.
export const erased = sqliteTable("erased", {
	id: integer("id").primaryKey(),
	erasedAt: integer("erased_at", { mode: "timestamp_ms" }).notNull(),
});

import { desc, eq, lt } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { Order, OrderItem, OrderPage } from "#shared/contracts/orders";
import type { PageRequest } from "#shared/contracts/pagination";
import { fail, ok, type Result } from "#shared/contracts/rpc";
import { decodeCursor, pageOf } from "#shared/kit/cursor";
import type * as schema from "./db/schema";
import { orders } from "./db/schema";

/** A user's OrderBook storage through drizzle, with the storage itself beside it for raw SQL. */
export type OrdersDb = DrizzleSqliteDODatabase<typeof schema> & { $client: DurableObjectStorage };

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

type OrderRow = typeof orders.$inferSelect;

// Names the list in its cursors, so a cursor of another list is refused.
const CURSOR_LIST = "o";

function toOrder(row: Omit<OrderRow, "seq">): Order {
	return {
		id: row.id,
		userId: row.userId,
		items: row.items,
		status: row.status,
		createdAt: row.createdAt.toISOString(),
	};
}

/**
 * One raw statement, and the order built from what was inserted: drizzle's
 * insert ... returning cost about a tenth of an order's CPU in the bench
 * (docs/PERFORMANCE.md), on the hottest path there is.
 */
export function insertOrder(
	db: OrdersDb,
	order: { id: string; userId: number; items: OrderItem[]; createdAt: Date },
): Order {
	db.$client.sql.exec(
		"INSERT INTO orders (id, user_id, items, status, created_at) VALUES (?, ?, ?, 'created', ?)",
		order.id,
		order.userId,
		JSON.stringify(order.items),
		order.createdAt.getTime(),
	);
	return toOrder({ ...order, status: "created" });
}

export function findOrder(db: OrdersDb, id: string): Order | null {
	const row = db.select().from(orders).where(eq(orders.id, id)).get();
	return row ? toOrder(row) : null;
}

/** Newest first. */
export function listOrders(db: OrdersDb, page: PageRequest): Result<OrderPage, "invalid_cursor"> {
	const after = page.cursor === undefined ? null : decodeCursor(CURSOR_LIST, page.cursor);
	if (page.cursor !== undefined && after === null) return fail("invalid_cursor");
	const rows = db
		.select()
		.from(orders)
		.where(after === null ? undefined : lt(orders.seq, after))
		.orderBy(desc(orders.seq))
		.limit(page.limit + 1)
		.all();
	const { shown, nextCursor } = pageOf(CURSOR_LIST, rows, page.limit);
	return ok({ orders: shown.map(toOrder), nextCursor });
}

export function cancelOrder(
	db: OrdersDb,
	id: string,
): Result<Order, "not_found" | "already_cancelled"> {
	const order = findOrder(db, id);
	if (!order) return fail("not_found");
	if (order.status === "cancelled") return fail("already_cancelled");
	const row = db
		.update(orders)
		.set({ status: "cancelled" })
		.where(eq(orders.id, id))
		.returning()
		.get();
	return ok(toOrder(row));
}

/**
 * The first response for `key` if it is still remembered at `now`. This and
 * rememberIdempotentResponse are raw SQL, like insertOrder: they run in the
 * transaction of every order placed with a key.
 */
export function findIdempotentResponse(
	db: OrdersDb,
	key: string,
	now: Date,
): { fingerprint: string; response: Order } | null {
	const [row] = db.$client.sql
		.exec<{ fingerprint: string; response: string; created_at: number }>(
			"SELECT fingerprint, response, created_at FROM idempotency_keys WHERE key = ?",
			key,
		)
		.toArray();
	if (!row || now.getTime() - row.created_at >= IDEMPOTENCY_TTL_MS) return null;
	return { fingerprint: row.fingerprint, response: JSON.parse(row.response) as Order };
}

/** Remembers `key`, replacing an expired entry, and drops every other expired one. */
export function rememberIdempotentResponse(
	db: OrdersDb,
	entry: { key: string; fingerprint: string; response: Order; createdAt: Date },
): void {
	const sql = db.$client.sql;
	const createdAt = entry.createdAt.getTime();
	sql.exec("DELETE FROM idempotency_keys WHERE created_at < ?", createdAt - IDEMPOTENCY_TTL_MS);
	sql.exec(
		`INSERT INTO idempotency_keys (key, fingerprint, response, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint,
			response = excluded.response, created_at = excluded.created_at`,
		entry.key,
		entry.fingerprint,
		JSON.stringify(entry.response),
		createdAt,
	);
}

/** Whether the book's user was deleted (eraseBook). */
export function isErased(db: OrdersDb): boolean {
	return db.$client.sql.exec("SELECT 1 FROM erased").toArray().length > 0;
}

/**
 * Deletes every order, remembered Idempotency-Key and unsent event, and
 * marks the book erased, in the caller's transaction. Repeating it changes
 * nothing.
 */
export function eraseBook(db: OrdersDb, now: Date): void {
	const { sql } = db.$client;
	for (const table of ["orders", "idempotency_keys", "outbox"]) sql.exec(`DELETE FROM ${table}`);
	sql.exec("INSERT OR IGNORE INTO erased (id, erased_at) VALUES (1, ?)", now.getTime());
}

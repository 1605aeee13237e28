import { and, desc, eq, lt } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { Order, OrderItem, OrderPage, PageRequest } from "../../../shared/orders";
import type * as schema from "./db/schema";
import { orders } from "./db/schema";

export type OrdersDb = DrizzleSqliteDODatabase<typeof schema>;

type OrderRow = typeof orders.$inferSelect;

function toOrder(row: OrderRow): Order {
	return {
		id: row.id,
		userId: row.userId,
		items: row.items,
		status: row.status,
		createdAt: row.createdAt.toISOString(),
	};
}

/** Cursors are opaque to clients: the position of the last order they saw. */
export function encodeCursor(seq: number): string {
	return btoa(`o:${seq}`);
}

export function decodeCursor(cursor: string): number | null {
	try {
		const match = /^o:(\d+)$/.exec(atob(cursor));
		return match?.[1] ? Number(match[1]) : null;
	} catch {
		return null;
	}
}

export function insertOrder(
	db: OrdersDb,
	order: { id: string; userId: number; items: OrderItem[]; createdAt: Date },
): Order {
	const row = db
		.insert(orders)
		.values({ ...order, status: "created" })
		.returning()
		.get();
	return toOrder(row);
}

export function findOrder(db: OrdersDb, id: string): Order | null {
	const row = db.select().from(orders).where(eq(orders.id, id)).get();
	return row ? toOrder(row) : null;
}

/** Newest first. An unreadable cursor is treated as the end of the list. */
export function listOrders(db: OrdersDb, page: PageRequest): OrderPage {
	const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
	if (page.cursor !== undefined && after === null) return { orders: [], nextCursor: null };
	const rows = db
		.select()
		.from(orders)
		.where(after === null ? undefined : and(lt(orders.seq, after)))
		.orderBy(desc(orders.seq))
		.limit(page.limit + 1)
		.all();
	const shown = rows.slice(0, page.limit);
	const last = shown.at(-1);
	return {
		orders: shown.map(toOrder),
		nextCursor: rows.length > page.limit && last ? encodeCursor(last.seq) : null,
	};
}

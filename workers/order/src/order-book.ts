import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import type { Order, OrderItem, OrderPage, PageRequest } from "../../../shared/orders";
import migrations from "../drizzle/migrations.js";
import * as schema from "./db/schema";
import { findOrder, insertOrder, listOrders, type OrdersDb } from "./orders";

/**
 * One user's orders. A Durable Object runs one request at a time against its
 * own SQLite, so concurrent orders for a user are serialised here and every
 * acknowledged write is durable before the response leaves.
 */
export class OrderBook extends DurableObject<OrderEnv> {
	private readonly db: OrdersDb;

	constructor(ctx: DurableObjectState, env: OrderEnv) {
		super(ctx, env);
		this.db = drizzle(ctx.storage, { schema });
		ctx.blockConcurrencyWhile(async () => migrate(this.db, migrations));
	}

	create(userId: number, items: OrderItem[]): Order {
		return insertOrder(this.db, { id: crypto.randomUUID(), userId, items, createdAt: new Date() });
	}

	get(orderId: string): Order | null {
		return findOrder(this.db, orderId);
	}

	list(page: PageRequest): OrderPage {
		return listOrders(this.db, page);
	}
}

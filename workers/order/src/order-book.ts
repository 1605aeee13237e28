import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import type {
	CreatedOrder,
	Order,
	OrderItem,
	OrderPage,
	PageRequest,
} from "../../../shared/orders";
import { fail, ok, type Result } from "../../../shared/rpc";
import migrations from "../drizzle/migrations.js";
import * as schema from "./db/schema";
import {
	cancelOrder,
	findIdempotentResponse,
	findOrder,
	insertOrder,
	listOrders,
	type OrdersDb,
	rememberIdempotentResponse,
} from "./orders";

export interface Idempotency {
	key: string;
	/** SHA-256 of the request, computed by the caller. */
	fingerprint: string;
}

/**
 * One user's orders. A Durable Object runs one request at a time against its
 * own SQLite, and these methods never await, so each runs as one transaction:
 * concurrent creates, retries and cancels for a user cannot interleave, and
 * every acknowledged write is durable before the response leaves.
 */
export class OrderBook extends DurableObject<Env> {
	private readonly db: OrdersDb;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.db = drizzle(ctx.storage, { schema });
		ctx.blockConcurrencyWhile(async () => migrate(this.db, migrations));
	}

	create(
		userId: number,
		items: OrderItem[],
		idempotency?: Idempotency,
	): Result<CreatedOrder, "idempotency_key_reused"> {
		const now = new Date();
		return this.ctx.storage.transactionSync(() => {
			if (idempotency) {
				const first = findIdempotentResponse(this.db, idempotency.key, now);
				if (first && first.fingerprint !== idempotency.fingerprint) {
					return fail("idempotency_key_reused");
				}
				if (first) return ok({ order: first.response, replayed: true });
			}
			const order = insertOrder(this.db, {
				id: crypto.randomUUID(),
				userId,
				items,
				createdAt: now,
			});
			if (idempotency) {
				rememberIdempotentResponse(this.db, { ...idempotency, response: order, createdAt: now });
			}
			return ok({ order, replayed: false });
		});
	}

	get(orderId: string): Order | null {
		return findOrder(this.db, orderId);
	}

	list(page: PageRequest): Result<OrderPage, "invalid_cursor"> {
		return listOrders(this.db, page);
	}

	cancel(orderId: string): Result<Order, "not_found" | "already_cancelled"> {
		return this.ctx.storage.transactionSync(() => cancelOrder(this.db, orderId));
	}
}

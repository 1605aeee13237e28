import { WorkerEntrypoint } from "cloudflare:workers";
import { toHex } from "../../../shared/hex";
import { loggedCall } from "../../../shared/log";
import type { CreatedOrder, Order, OrderItem, OrderPage } from "../../../shared/orders";
import type { PageRequest } from "../../../shared/pagination";
import { type CallContext, fail, type Result, released } from "../../../shared/rpc";

export { OrderBook } from "./order-book";

const SERVICE = "order";

async function fingerprint(items: OrderItem[]): Promise<string> {
	// Items arrive parsed by the gateway's schema, so equal bodies serialise equally.
	const digest = await crypto.subtle.digest(
		"SHA-256",
		new TextEncoder().encode(JSON.stringify(items)),
	);
	return toHex(digest);
}

/**
 * The order service's RPC interface, bound by the gateway. The user id comes
 * from the gateway, which has authenticated the caller; each user's orders
 * live in that user's OrderBook, so one user cannot reach another's. Every
 * method takes the caller's CallContext first.
 */
export class OrderService extends WorkerEntrypoint<Env> {
	async createOrder(
		call: CallContext,
		userId: number,
		items: OrderItem[],
		idempotencyKey?: string,
	): Promise<Result<CreatedOrder, "user_not_found" | "idempotency_key_reused">> {
		return loggedCall(SERVICE, "createOrder", call, async () => {
			// As the tutorial's order service did: no orders for unknown users.
			if (!(await this.env.USER_SERVICE.userExists(call, userId))) return fail("user_not_found");
			const idempotency =
				idempotencyKey === undefined
					? undefined
					: { key: idempotencyKey, fingerprint: await fingerprint(items) };
			return released(await this.book(userId).create(call, userId, items, idempotency));
		});
	}

	async getOrder(call: CallContext, userId: number, orderId: string): Promise<Order | null> {
		return loggedCall(SERVICE, "getOrder", call, async () =>
			released(await this.book(userId).get(orderId)),
		);
	}

	async listOrders(
		call: CallContext,
		userId: number,
		page: PageRequest,
	): Promise<Result<OrderPage, "invalid_cursor">> {
		return loggedCall(SERVICE, "listOrders", call, async () =>
			released(await this.book(userId).list(page)),
		);
	}

	async cancelOrder(
		call: CallContext,
		userId: number,
		orderId: string,
	): Promise<Result<Order, "not_found" | "already_cancelled">> {
		return loggedCall(SERVICE, "cancelOrder", call, async () =>
			released(await this.book(userId).cancel(orderId)),
		);
	}

	/** Health check: the worker answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(SERVICE, "ping", call, async () => true as const);
	}

	private book(userId: number) {
		return this.env.ORDER_BOOK.getByName(String(userId));
	}
}

// No public URL: anything reaching this worker over HTTP is a mistake.
export default {
	fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler<Env>;

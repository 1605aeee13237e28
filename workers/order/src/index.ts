import { WorkerEntrypoint } from "cloudflare:workers";
import { loggedCall } from "../../../shared/log";
import type { Order, OrderItem, OrderPage, PageRequest } from "../../../shared/orders";
import { type CallContext, fail, ok, type Result } from "../../../shared/rpc";

export { OrderBook } from "./order-book";

const SERVICE = "order";

/**
 * The order service's RPC interface, bound by the gateway. The user id comes
 * from the gateway, which has authenticated the caller.
 */
export class OrderService extends WorkerEntrypoint<OrderEnv> {
	async createOrder(
		userId: number,
		items: OrderItem[],
		call: CallContext,
	): Promise<Result<Order, "user_not_found">> {
		return loggedCall(SERVICE, "createOrder", call, async () => {
			// As the tutorial's order service did: no orders for unknown users.
			if (!(await this.env.USER_SERVICE.userExists(userId, call))) return fail("user_not_found");
			return ok(await this.book(userId).create(userId, items));
		});
	}

	async getOrder(userId: number, orderId: string, call: CallContext): Promise<Order | null> {
		return loggedCall(SERVICE, "getOrder", call, () => this.book(userId).get(orderId));
	}

	async listOrders(userId: number, page: PageRequest, call: CallContext): Promise<OrderPage> {
		return loggedCall(SERVICE, "listOrders", call, () => this.book(userId).list(page));
	}

	private book(userId: number) {
		return this.env.ORDER_BOOK.getByName(String(userId));
	}
}

// No public URL: anything reaching this worker over HTTP is a mistake.
export default {
	fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler<OrderEnv>;

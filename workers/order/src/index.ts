import { WorkerEntrypoint } from "cloudflare:workers";
import type {
	CreatedOrder,
	Order,
	OrderErasure,
	OrderItem,
	OrderPage,
	OrderRedrive,
	OrderRedriveStep,
} from "#shared/contracts/orders";
import type { PageRequest } from "#shared/contracts/pagination";
import { type CallContext, fail, ok, type Principal, type Result } from "#shared/contracts/rpc";
import { disposed } from "#shared/kit/dispose";
import { toHex } from "#shared/kit/hex";
import { loggedCall } from "#shared/kit/log";
import type { Telemetry } from "#shared/kit/metrics";
import { retryReadOnce } from "#shared/kit/retry";

import type { OrderBook } from "./order-book";
import { redriveStep } from "./redrive";

export { OrderBook } from "./order-book";
export { OutboxIndex } from "./outbox-index";

const SERVICE = "order";
/** The OrderBook /health asks: user ids are numbers, so no user's object has this name. */
const HEALTH_PROBE = "health-probe";

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
export class OrderService extends WorkerEntrypoint<Env> implements OrderErasure {
	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	/** Places an order for the principal's user; an unknown user (or a stale token) gets none. */
	async createOrder(
		call: CallContext,
		principal: Principal,
		items: OrderItem[],
		idempotencyKey?: string,
	): Promise<Result<CreatedOrder, "invalid_user" | "idempotency_key_reused">> {
		// As the tutorial's order service did: no orders for unknown users.
		return this.asUser(call, principal, "createOrder", async (book, span) => {
			const idempotency =
				idempotencyKey === undefined
					? undefined
					: { key: idempotencyKey, fingerprint: await fingerprint(items) };
			const created = disposed(await book().create(span, principal.userId, items, idempotency));
			if (created.ok) return created;
			// The user was deleted after the check: as unknown as any other.
			return fail(created.error === "erased" ? "invalid_user" : created.error);
		});
	}

	/**
	 * The deletion cascade (the user worker's consumer of user.deleted):
	 * erases the user's OrderBook for good. No user check: the user is gone.
	 */
	async eraseOrders(call: CallContext, userId: number): Promise<void> {
		return loggedCall(this.telemetry, "eraseOrders", call, async (span) => {
			disposed(await this.env.ORDER_BOOK.getByName(String(userId)).erase(span));
		});
	}

	/**
	 * One step of a redrive (the user worker's cron carries out the
	 * operator's request): the books that sent events in the window send
	 * them again. No user check: no user asks, and nothing is read out.
	 */
	async redrive(call: CallContext, redrive: OrderRedrive): Promise<OrderRedriveStep> {
		return loggedCall(this.telemetry, "redrive", call, (span) =>
			redriveStep(this.env, span, redrive),
		);
	}

	async getOrder(
		call: CallContext,
		principal: Principal,
		orderId: string,
	): Promise<Result<Order, "invalid_user" | "not_found">> {
		return this.asUser(call, principal, "getOrder", async (book, span) => {
			const order = await retryReadOnce(async () => disposed(await book().get(span, orderId)));
			return order ? ok(order) : fail("not_found");
		});
	}

	async listOrders(
		call: CallContext,
		principal: Principal,
		page: PageRequest,
	): Promise<Result<OrderPage, "invalid_user" | "invalid_cursor">> {
		return this.asUser(call, principal, "listOrders", (book, span) =>
			retryReadOnce(async () => disposed(await book().list(span, page))),
		);
	}

	async cancelOrder(
		call: CallContext,
		principal: Principal,
		orderId: string,
	): Promise<Result<Order, "invalid_user" | "not_found" | "already_cancelled">> {
		return this.asUser(call, principal, "cancelOrder", async (book, span) =>
			disposed(await book().cancel(span, orderId)),
		);
	}

	/** Health check: a Durable Object answers from its storage, as every order call needs. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(this.telemetry, "ping", call, async (span) =>
			disposed(await this.env.ORDER_BOOK.getByName(HEALTH_PROBE).ping(span)),
		);
	}

	/**
	 * Runs one logged RPC method against the principal's OrderBook, once the
	 * user worker confirms the principal may act as that user. `run` gets
	 * this call's span, for the Durable Object call it makes, and a new stub
	 * of the book for each try: a stub that has thrown fails every later call.
	 */
	private asUser<T, E extends string>(
		call: CallContext,
		principal: Principal,
		method: string,
		run: (book: () => DurableObjectStub<OrderBook>, span: CallContext) => Promise<Result<T, E>>,
	): Promise<Result<T, E | "invalid_user">> {
		return loggedCall(this.telemetry, method, call, async (span) => {
			if (!(await this.env.USER_SERVICE.isValidUser(span, principal))) return fail("invalid_user");
			return run(() => this.env.ORDER_BOOK.getByName(String(principal.userId)), span);
		});
	}
}

// No public URL: anything reaching this worker over HTTP is a mistake.
export default {
	fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler<Env>;

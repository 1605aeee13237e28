import type { OrderErasure } from "#shared/contracts/orders";

/**
 * The order worker, seen through the contract it implements. The user
 * worker cannot take the order worker's generated types (the order worker
 * binds this one, and type programs may not form a cycle; see OrderErasure),
 * so its binding is typed here, once.
 */
export function orderService(env: Env): OrderErasure {
	return env.ORDER_SERVICE as Service<OrderErasure & Rpc.WorkerEntrypointBranded>;
}

import type { OrderCreated, UserDeleted, UserRegistered } from "#shared/contracts/events";
import { testCall } from "./call-context";

/** What every event carries about its cause: a fresh id, now, and the test's caller. */
const cause = () => ({
	eventId: crypto.randomUUID(),
	occurredAt: new Date().toISOString(),
	...testCall(),
});

/** A user.registered event, as the user worker's outbox holds it. */
export const userRegistered = (userId: number): UserRegistered => ({
	type: "user.registered",
	userId,
	...cause(),
});

/** An order.created event for a new order id, as an OrderBook's outbox holds it. */
export const orderCreated = (userId: number): OrderCreated => ({
	type: "order.created",
	userId,
	orderId: crypto.randomUUID(),
	...cause(),
});

/** A user.deleted event, as the user worker's outbox holds it. */
export const userDeleted = (userId: number): UserDeleted => ({
	type: "user.deleted",
	userId,
	...cause(),
});

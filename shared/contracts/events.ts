import * as z from "zod/mini";

/**
 * The events that cross the `tasks` queue, produced by the user worker
 * (`user.registered`, `user.deleted`) and the order worker (`order.created`)
 * and consumed by the user worker. zod/mini, so the consumer that parses them bundles only
 * what it uses; producers need the types alone.
 *
 * Every event names the request that caused it (its id and W3C trace
 * context), so the consumer's log lines join that request's trace. Unknown
 * fields are dropped, not refused: a newer producer may add some.
 */
const cause = {
	eventId: z.uuid(),
	occurredAt: z.iso.datetime(),
	requestId: z.string(),
	traceparent: z.string(),
};
const userId = z.int().check(z.positive());

export const TaskEventSchema = z.discriminatedUnion("type", [
	z.object({ type: z.literal("user.registered"), userId, ...cause }),
	z.object({ type: z.literal("order.created"), userId, orderId: z.uuid(), ...cause }),
	// The account is gone from D1; the consumer erases what other stores hold of it.
	z.object({ type: z.literal("user.deleted"), userId, ...cause }),
]);

export type TaskEvent = z.infer<typeof TaskEventSchema>;
export type UserRegistered = Extract<TaskEvent, { type: "user.registered" }>;
export type OrderCreated = Extract<TaskEvent, { type: "order.created" }>;
export type UserDeleted = Extract<TaskEvent, { type: "user.deleted" }>;

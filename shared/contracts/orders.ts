import { z } from "zod";
import type { CallContext } from "./rpc";
import { printable } from "./text";

// Printable characters only: nothing invisible or direction-changing ends up in stored SKUs.
export const SkuSchema = printable(1, 64).meta({ example: "book-1" });

const ITEM_EXAMPLE = { sku: "book-1", quantity: 2 };

const OrderItemSchema = z
	.object({
		sku: SkuSchema,
		quantity: z.number().int().min(1).max(1000),
	})
	.strict()
	.meta({ id: "OrderItem", example: ITEM_EXAMPLE });

export const OrderItemsSchema = z.array(OrderItemSchema).min(1).max(100);

const ORDER_EXAMPLE = {
	id: "0b5f3c9e-6d0a-4c1e-9f3b-2a7d8e4c1b90",
	userId: 1,
	items: [ITEM_EXAMPLE],
	status: "created",
	createdAt: "2026-01-12T09:30:00.000Z",
};

const OrderStatusSchema = z.enum(["created", "cancelled"]);

export const OrderSchema = z
	.object({
		id: z.uuid(),
		userId: z.number().int().positive(),
		items: z.array(OrderItemSchema),
		status: OrderStatusSchema,
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "Order", example: ORDER_EXAMPLE });

export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Order = z.infer<typeof OrderSchema>;

export const OrderPageSchema = z
	.object({ orders: z.array(OrderSchema), nextCursor: z.string().nullable() })
	.meta({ id: "OrderPage", example: { orders: [ORDER_EXAMPLE], nextCursor: "bzo0Mg==" } });

export type OrderPage = z.infer<typeof OrderPageSchema>;

export interface CreatedOrder {
	order: Order;
	/** True when an Idempotency-Key matched an earlier create: `order` is that first response. */
	replayed: boolean;
}

/**
 * A redrive of the OrderBooks' outboxes: every order.created event sent
 * between `sinceMs` and `untilMs` (when the redrive was asked for) is sent
 * again. It goes in steps: `cursor` is null for the first, then what the
 * step before answered.
 */
export interface OrderRedrive {
	sinceMs: number;
	untilMs: number;
	cursor: string | null;
}

/** What one step of a redrive did, and where the next starts (null: it is done). */
export interface OrderRedriveStep {
	/** Books asked to send again in this step. */
	books: number;
	/** Events they marked to send again. */
	events: number;
	cursor: string | null;
}

/**
 * What the user worker asks of the order worker, whose OrderService
 * implements it: the deletion cascade's erasure, and the cron's redrives.
 * The user worker cannot take the order worker's generated types (the order
 * worker binds the user worker, and type programs may not form a cycle), so
 * it sees the order worker through this.
 */
export interface OrderErasure {
	/** Erases everything the user's OrderBook holds, for good; repeating it changes nothing. */
	eraseOrders(call: CallContext, userId: number): Promise<void>;
	/**
	 * One step of a redrive: the books that sent events in the redrive's
	 * window mark those events unsent, and their alarms send them again.
	 * Repeating a step is harmless (the consumer records each event once).
	 */
	redrive(call: CallContext, redrive: OrderRedrive): Promise<OrderRedriveStep>;
}

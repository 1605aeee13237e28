import { z } from "zod";

// Printable characters only: no control characters (Unicode's Cc: U+0000-001F,
// U+007F-009F) end up in stored SKUs. Spelled as ranges without the `u` flag:
// the OpenAPI document carries only a pattern's source, so a flag would be
// lost there (its generator even left a stray "/u" that no SKU matched, and
// validating clients rejected every order), and `\p{...}` means nothing
// without it.
export const SkuSchema = z
	.string()
	.min(1)
	.max(64)
	// biome-ignore lint/suspicious/noControlCharactersInRegex: excluding them is the point.
	.regex(/^[^\u0000-\u001f\u007f-\u009f]+$/, "must be printable characters");

const OrderItemSchema = z
	.object({
		sku: SkuSchema,
		quantity: z.number().int().min(1).max(1000),
	})
	.strict()
	.meta({ id: "OrderItem" });

export const OrderItemsSchema = z.array(OrderItemSchema).min(1).max(100);

const OrderStatusSchema = z.enum(["created", "cancelled"]);

export const OrderSchema = z
	.object({
		id: z.uuid(),
		userId: z.number().int().positive(),
		items: z.array(OrderItemSchema),
		status: OrderStatusSchema,
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "Order" });

export type OrderItem = z.infer<typeof OrderItemSchema>;
export type Order = z.infer<typeof OrderSchema>;

export const OrderPageSchema = z
	.object({ orders: z.array(OrderSchema), nextCursor: z.string().nullable() })
	.meta({ id: "OrderPage" });

export const PageRequestSchema = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z.string().min(1).max(256).optional(),
});

export type OrderPage = z.infer<typeof OrderPageSchema>;
export type PageRequest = z.infer<typeof PageRequestSchema>;

export interface CreatedOrder {
	order: Order;
	/** True when an Idempotency-Key matched an earlier create: `order` is that first response. */
	replayed: boolean;
}

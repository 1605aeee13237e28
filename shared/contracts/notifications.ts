import { z } from "zod";

export const NotificationSchema = z
	.object({
		// The id of the event it records.
		id: z.uuid(),
		kind: z.enum(["welcome", "order_confirmation"]),
		orderId: z.uuid().optional(),
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "Notification" });

export const NotificationPageSchema = z
	.object({ notifications: z.array(NotificationSchema), nextCursor: z.string().nullable() })
	.meta({ id: "NotificationPage" });

export type Notification = z.infer<typeof NotificationSchema>;
export type NotificationPage = z.infer<typeof NotificationPageSchema>;

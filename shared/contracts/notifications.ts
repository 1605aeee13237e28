import { z } from "zod";

const NOTIFICATION_EXAMPLE = {
	id: "5d1c2b7a-3e4f-4a6b-8c9d-0e1f2a3b4c5d",
	kind: "order_confirmation",
	orderId: "0b5f3c9e-6d0a-4c1e-9f3b-2a7d8e4c1b90",
	createdAt: "2026-01-12T09:30:01.000Z",
};

export const NotificationSchema = z
	.object({
		// The id of the event it records.
		id: z.uuid(),
		kind: z.enum(["welcome", "order_confirmation"]),
		orderId: z.uuid().optional(),
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "Notification", example: NOTIFICATION_EXAMPLE });

export const NotificationPageSchema = z
	.object({ notifications: z.array(NotificationSchema), nextCursor: z.string().nullable() })
	.meta({
		id: "NotificationPage",
		example: { notifications: [NOTIFICATION_EXAMPLE], nextCursor: null },
	});

export type Notification = z.infer<typeof NotificationSchema>;
export type NotificationPage = z.infer<typeof NotificationPageSchema>;

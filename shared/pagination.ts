import { z } from "zod";

/** `?limit=&cursor=` of every list, newest first. */
export const PageRequestSchema = z.object({
	limit: z.coerce.number().int().min(1).max(100).default(20),
	cursor: z.string().min(1).max(256).optional(),
});

export type PageRequest = z.infer<typeof PageRequestSchema>;

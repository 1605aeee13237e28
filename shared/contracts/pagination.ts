import { z } from "zod";

// What a person reads when a query parameter is wrong, given twice included.
const LIMIT_RULE = { error: "must be one whole number from 1 to 100" };
const CURSOR_RULE = { error: "must be one nextCursor from an earlier page" };

/** `?limit=&cursor=` of every list, newest first. */
export const PageRequestSchema = z.object({
	limit: z.coerce
		.number(LIMIT_RULE)
		.int(LIMIT_RULE)
		.min(1, LIMIT_RULE)
		.max(100, LIMIT_RULE)
		.default(20),
	cursor: z.string(CURSOR_RULE).min(1, CURSOR_RULE).max(256, CURSOR_RULE).optional(),
});

export type PageRequest = z.infer<typeof PageRequestSchema>;

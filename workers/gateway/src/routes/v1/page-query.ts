import { z } from "@hono/zod-openapi";
import { lengthBetween } from "#shared/contracts/text";

// What a person reads when a query parameter is wrong, given twice included.
const LIMIT_RULE = { error: "must be one whole number from 1 to 100, in decimal digits" };
const CURSOR_RULE = { error: "must be one nextCursor from an earlier page" };

const DEFAULT_LIMIT = 20;

/**
 * `limit` as a client generated from the document writes an integer: decimal
 * digits. Other spellings JavaScript would read as a number (`0x10`, `1e1`,
 * `+5`, ` 5`, `5.0`) are refused, so the gateway takes what the document's
 * `type: integer` says and nothing a lenient parser adds.
 */
const LimitSchema = z
	.string(LIMIT_RULE)
	.regex(/^[0-9]+$/, LIMIT_RULE)
	.transform(Number)
	.pipe(z.number().int().min(1, LIMIT_RULE).max(100, LIMIT_RULE))
	.default(DEFAULT_LIMIT)
	.meta({
		// The document describes the value, not the text it is parsed from.
		type: "integer",
		minimum: 1,
		maximum: 100,
		default: DEFAULT_LIMIT,
		example: DEFAULT_LIMIT,
		description:
			"How many to list, 1-100, written in decimal digits only: `+5`, ` 5`, `5.0`, `5e0` and " +
			"`0x5` are a 400, as is the parameter given twice.",
	});

/**
 * `?limit=&cursor=` of every list, newest first: the HTTP form of the
 * PageRequest the workers take (shared/contracts/pagination.ts).
 */
export const PageQuerySchema = z.object({
	limit: LimitSchema,
	cursor: lengthBetween(1, 256, CURSOR_RULE.error)
		.meta({
			description:
				"The `nextCursor` of the page before, as it was given; any other value, or one of " +
				"another list, is a 400.",
			example: "bzo0Mg==",
		})
		.optional(),
});

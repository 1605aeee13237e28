import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";

/**
 * Read your own writes over D1 read replication: a registration answers with
 * the D1 bookmark of its write in this header, and a client that sends it
 * back has the user worker read from a replica that has that write.
 */
export const BOOKMARK_HEADER = "X-D1-Bookmark";

export type D1BookmarkVariables = { bookmark: string | undefined };

// D1 bookmarks are opaque; this admits their characters, and nothing else
// reaches the database.
const BOOKMARK = /^[\w.:-]{1,256}$/;

/** The request's bookmark, if it sent a well-formed one; anything else reads as no bookmark. */
export const d1Bookmark =
	(): MiddlewareHandler<{ Variables: D1BookmarkVariables }> => async (c, next) => {
		const sent = c.req.header(BOOKMARK_HEADER);
		c.set("bookmark", sent !== undefined && BOOKMARK.test(sent) ? sent : undefined);
		await next();
	};

// What a D1 bookmark looks like.
const BOOKMARK_EXAMPLE = "00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683";

/** The header as routes that read users document it. */
export const BookmarkRequestHeader = {
	"x-d1-bookmark": z
		.string()
		.optional()
		.meta({
			description:
				"The X-D1-Bookmark a registration answered with: reads then see that registration. " +
				"Without it reads may be a moment stale, which never turns a real user away. A value " +
				"that is not 1-256 of `A-Z a-z 0-9 _ . : -` is ignored (read as no bookmark), not refused.",
			example: BOOKMARK_EXAMPLE,
		}),
};

/** The header as a registration documents it. */
export const BookmarkResponseHeader = {
	[BOOKMARK_HEADER]: z.string().optional().meta({
		description:
			"Send it back as X-D1-Bookmark to read this registration from any replica at once.",
		example: BOOKMARK_EXAMPLE,
	}),
};

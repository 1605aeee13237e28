/**
 * A page of a list, newest first, as the workers take it: at most `limit`
 * items after `cursor` (the `nextCursor` of the page before). The gateway
 * parses it from `?limit=&cursor=` (workers/gateway/src/routes/v1/page-query.ts).
 */
export interface PageRequest {
	limit: number;
	cursor?: string;
}

import type { OrderRedrive, OrderRedriveStep } from "#shared/contracts/orders";
import type { CallContext } from "#shared/contracts/rpc";
import { disposed } from "#shared/kit/dispose";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import { bucketOf, INDEX_BUCKET_MS, INDEX_SHARDS, indexName } from "./outbox-index";

/** Books listed per index read, and asked at once. */
const PAGE = 50;
/**
 * Durable Object calls per step (index reads and books), well below a
 * Worker invocation's subrequest limit; the caller steps on with the cursor.
 */
const CALLS_PER_STEP = 500;

/** Where a redrive stands: the index (hour, shard) it reads, and the last user id it asked there. */
interface Position {
	bucket: number;
	shard: number;
	after: number;
}

const CURSOR = /^(\d+):(\d+):(\d+)$/;

/**
 * The first hour a redrive reads: that of `sinceMs`, or the oldest whose
 * indexes and events are still kept (the retention, and the hour a sent
 * event may wait for its alarm to prune it).
 */
function firstBucket({ sinceMs, untilMs }: OrderRedrive): number {
	return bucketOf(Math.max(sinceMs, untilMs - OUTBOX_RETENTION_MS - INDEX_BUCKET_MS));
}

function positionOf(redrive: OrderRedrive): Position | null {
	if (redrive.cursor === null) return { bucket: firstBucket(redrive), shard: 0, after: 0 };
	const [, bucket, shard, after] = CURSOR.exec(redrive.cursor) ?? [];
	if (bucket === undefined || shard === undefined || after === undefined) return null;
	return { bucket: Number(bucket), shard: Number(shard), after: Number(after) };
}

const cursorOf = ({ bucket, shard, after }: Position) => `${bucket}:${shard}:${after}`;

export interface RedriveBindings {
	OUTBOX_INDEX: Env["OUTBOX_INDEX"];
	ORDER_BOOK: Env["ORDER_BOOK"];
}

/**
 * One step of a redrive: walks the outbox indexes of the hours from
 * `sinceMs` to `untilMs`, shard by shard, and asks each book listed to mark
 * the events it sent in that window unsent (OrderBook.redrive), until the
 * walk ends or the step has made CALLS_PER_STEP calls. A book listed in
 * several hours is asked once per hour; the second finds nothing to mark,
 * as its new sends fall after `untilMs`.
 */
export async function redriveStep(
	env: RedriveBindings,
	span: CallContext,
	redrive: OrderRedrive,
): Promise<OrderRedriveStep> {
	const position = positionOf(redrive);
	if (position === null) throw new Error(`not a redrive cursor: ${redrive.cursor}`);
	const last = bucketOf(redrive.untilMs);
	let calls = 0;
	let books = 0;
	let events = 0;
	while (position.bucket <= last) {
		if (calls + 1 + PAGE > CALLS_PER_STEP) return { books, events, cursor: cursorOf(position) };
		const index = env.OUTBOX_INDEX.getByName(indexName(position.bucket, position.shard));
		const userIds = disposed(await index.list(span, position.after, PAGE));
		const marked = await Promise.all(
			userIds.map(async (userId) =>
				disposed(
					await env.ORDER_BOOK.getByName(String(userId)).redrive(
						span,
						redrive.sinceMs,
						redrive.untilMs,
					),
				),
			),
		);
		calls += 1 + userIds.length;
		books += userIds.length;
		events += marked.reduce((sum, n) => sum + n, 0);
		const lastId = userIds.at(-1);
		if (userIds.length === PAGE && lastId !== undefined) {
			position.after = lastId;
			continue;
		}
		position.after = 0;
		position.shard += 1;
		if (position.shard === INDEX_SHARDS) {
			position.shard = 0;
			position.bucket += 1;
		}
	}
	return { books, events, cursor: null };
}

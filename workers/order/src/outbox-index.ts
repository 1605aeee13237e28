import { DurableObject } from "cloudflare:workers";
import type { CallContext } from "#shared/contracts/rpc";
import { loggedSync } from "#shared/kit/log";
import type { Telemetry } from "#shared/kit/metrics";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";

/**
 * Which OrderBooks sent events when. Durable Objects cannot be listed, so a
 * redrive ("send again what was sent since T", redrive.ts) finds the books
 * to ask here: an OrderBook's alarm adds its user id to the index of the
 * current hour the first time it sends in that hour, and a redrive walks the
 * indexes of the hours since T.
 *
 * One object per (hour, shard of the user id), named `<hour>:<shard>`: at
 * the top of each hour every book that sends registers once, spread over
 * INDEX_SHARDS objects rather than queued on one. An index forgets itself
 * once the events it points to have left their outboxes (OUTBOX_RETENTION_MS
 * after its hour), so the indexes kept are those of the last day.
 */

/** One index's width in time: the hour of the send. */
export const INDEX_BUCKET_MS = 60 * 60 * 1000;
/**
 * Index objects per hour, by user id: a book registers once per hour, so
 * with 16 one object takes 1/16 of the books that send in an hour, most of
 * them in the hour's first seconds. It may be raised (a redrive walks every
 * shard up to the new count, the old ones among them) but not lowered while
 * indexes of the old count are kept, a day: their higher shards would not
 * be walked.
 */
export const INDEX_SHARDS = 16;

export const bucketOf = (ms: number): number => Math.floor(ms / INDEX_BUCKET_MS);

/** The index object of the books of `shard` that sent in hour `bucket`. */
export const indexName = (bucket: number, shard: number): string => `${bucket}:${shard}`;

/** The index a book of user `userId` registers in, for a send at `ms`. */
export const indexOf = (ms: number, userId: number): string =>
	indexName(bucketOf(ms), userId % INDEX_SHARDS);

const SERVICE = "order";

export class OutboxIndex extends DurableObject<Env> {
	/**
	 * Whether the table exists. A redrive lists every index of its hours,
	 * including ones no book wrote to: reading must not create an object.
	 */
	private ready: boolean;

	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.ready =
			ctx.storage.sql
				.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'books'")
				.toArray().length > 0;
	}

	/** Adds the user's book; adding it again changes nothing. */
	add(call: CallContext, userId: number): void {
		loggedSync(this.telemetry, "OutboxIndex.add", call, () => {
			const { sql } = this.ctx.storage;
			if (!this.ready) {
				sql.exec("CREATE TABLE IF NOT EXISTS books (user_id INTEGER PRIMARY KEY)");
				this.ready = true;
				// The first add comes within the index's hour, so this is at least
				// the retention after the hour ends. Stored with the table.
				void this.ctx.storage.setAlarm(Date.now() + OUTBOX_RETENTION_MS + 2 * INDEX_BUCKET_MS);
			}
			sql.exec("INSERT OR IGNORE INTO books (user_id) VALUES (?)", userId);
		});
	}

	/** Up to `limit` user ids above `after`, in order: a page of the books to redrive. */
	list(call: CallContext, after: number, limit: number): number[] {
		return loggedSync(this.telemetry, "OutboxIndex.list", call, () => {
			if (!this.ready) return [];
			return this.ctx.storage.sql
				.exec<{ user_id: number }>(
					"SELECT user_id FROM books WHERE user_id > ? ORDER BY user_id LIMIT ?",
					after,
					limit,
				)
				.toArray()
				.map((row) => row.user_id);
		});
	}

	/** The index has outlived what it points to: it goes, storage and all. */
	override async alarm(): Promise<void> {
		await this.ctx.storage.deleteAll();
		this.ready = false;
	}
}

import { DurableObject } from "cloudflare:workers";

/**
 * Hands out user ids: 1, 2, 3 ... in the order registrations ask, never the
 * same one twice, across every shard. One object (`USER_IDS.getByName("users")`),
 * asked once per registration that gets past the name check, never on a
 * read: one counter in one SQLite row, so its method never awaits and each
 * call is one transaction.
 */
export class UserIds extends DurableObject<Env> {
	next(): number {
		const { sql } = this.ctx.storage;
		sql.exec(
			"CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)",
		);
		return sql
			.exec<{ last: number }>(
				"INSERT INTO counter (id, last) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET last = last + 1 RETURNING last",
			)
			.one().last;
	}
}

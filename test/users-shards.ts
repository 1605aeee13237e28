import { env } from "cloudflare:workers";

/** The users databases as the tests see them, in shard order (vitest.config.ts). */
export function testUsersShards(): D1Database[] {
	return [env.TEST_USERS_DB_0, env.TEST_USERS_DB_1];
}

/** The first row `query` finds in any shard: a user's row is in exactly one. */
export async function firstInAnyShard<T>(query: string, ...bindings: unknown[]): Promise<T | null> {
	for (const shard of testUsersShards()) {
		const row = await shard
			.prepare(query)
			.bind(...bindings)
			.first<T>();
		if (row !== null) return row;
	}
	return null;
}

/** A count summed over every shard. */
export async function countInAllShards(query: string, ...bindings: unknown[]): Promise<number> {
	let total = 0;
	for (const shard of testUsersShards()) {
		total +=
			(
				await shard
					.prepare(query)
					.bind(...bindings)
					.first<{ n: number }>()
			)?.n ?? 0;
	}
	return total;
}

/** Every row `query` finds, shard after shard. */
export async function rowsInAllShards<T>(query: string, ...bindings: unknown[]): Promise<T[]> {
	const rows: T[] = [];
	for (const shard of testUsersShards()) {
		rows.push(
			...(
				await shard
					.prepare(query)
					.bind(...bindings)
					.all<T>()
			).results,
		);
	}
	return rows;
}

/** The shard that holds user `userId`'s row. */
export async function shardHolding(userId: number): Promise<D1Database> {
	for (const shard of testUsersShards()) {
		if (await shard.prepare("SELECT 1 FROM users WHERE id = ?").bind(userId).first()) return shard;
	}
	throw new Error(`no shard holds user ${userId}`);
}

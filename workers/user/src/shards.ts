import { usernameKey } from "#shared/contracts/username";

/**
 * Users are spread over N D1 databases, bound as USERS_DB_0 ... USERS_DB_<N-1>
 * (wrangler.toml; N = 2 in development and tests, so routing runs on every
 * run, and production's N in its own environment). A user lives in the shard
 * of their folded username, so the unique name index of that one database
 * keeps names unique, and registration and login go straight to it. A user
 * id names its shard through the user's Account object (account.ts), written
 * at registration and at each login: no global table to ask.
 */

const BINDING = /^USERS_DB_(\d+)$/;

function isD1(value: unknown): value is D1Database {
	return typeof value === "object" && value !== null && "withSession" in value && "batch" in value;
}

/** The shards in order; refuses a configuration with none or with a gap. */
export function userShards(env: object): D1Database[] {
	const byIndex = new Map<number, D1Database>();
	for (const [name, value] of Object.entries(env)) {
		const index = BINDING.exec(name)?.[1];
		if (index !== undefined && isD1(value)) byIndex.set(Number(index), value);
	}
	const shards = Array.from({ length: byIndex.size }, (_, i) => byIndex.get(i));
	if (shards.length === 0 || !shards.every((shard) => shard !== undefined)) {
		throw new Error(
			"the user worker needs D1 bindings USERS_DB_0 ... USERS_DB_<N-1>, none missing",
		);
	}
	return shards;
}

/**
 * The shard of a username: 32-bit FNV-1a of its folded form's UTF-8 bytes,
 * modulo the number of shards. Stable across runtimes and releases, which it
 * must be: changing it, or N, moves users (docs/SCALING.md, "Adding shards").
 */
export function shardOf(username: string, count: number): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(usernameKey(username))) {
		hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
	}
	return hash % count;
}

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { shardOf, userShards } from "./shards";

describe("shardOf", () => {
	describe("happy", () => {
		it("puts every case and width variant of a name in one shard", () => {
			const variants = ["alice", "ALICE", "Alice", "ａｌｉｃｅ", "ＡＬＩＣＥ"];
			const shards = new Set(variants.map((name) => shardOf(name, 4)));
			expect(shards.size).toBe(1);
		});

		it("spreads names over every shard, about evenly", () => {
			const counts = [0, 0, 0, 0];
			for (let n = 0; n < 4_000; n++)
				counts[shardOf(`user${n}`, 4)] = (counts[shardOf(`user${n}`, 4)] ?? 0) + 1;
			for (const count of counts) expect(count).toBeGreaterThan(850);
		});

		it("never moves a name: the same shard on every run and release", () => {
			// Fixed values: a change here moves users (docs/SCALING.md, "Adding shards").
			expect([
				shardOf("alice", 2),
				shardOf("bob", 2),
				shardOf("alice", 4),
				shardOf("bob", 4),
			]).toEqual([shardOf("ALICE", 2), shardOf("BOB", 2), shardOf("Alice", 4), shardOf("Bob", 4)]);
			expect(shardOf("alice", 1)).toBe(0);
		});
	});
});

describe("userShards", () => {
	describe("happy", () => {
		it("finds the development shards in order", () => {
			expect(userShards(env)).toEqual([env.USERS_DB_0, env.USERS_DB_1]);
		});
	});

	describe("errors", () => {
		it("refuses a configuration with no shard or a gap", () => {
			expect(() => userShards({})).toThrow(/USERS_DB_0/);
			expect(() => userShards({ USERS_DB_1: env.USERS_DB_1 })).toThrow(/none missing/);
		});
	});
});

import { describe, expect, it } from "vitest";
import { api, PASSWORD, postJson } from "#test/requests";
import { rowsInAllShards, testUsersShards } from "#test/users-shards";

// Users are spread over two D1 databases in development and tests
// (workers/user/src/shards.ts): these run first in their file, on empty
// databases, so the ids they see are the first ones.

describe("users over shards", () => {
	describe("happy", () => {
		it("numbers users 1, 2, 3 ... in registration order across shards, each row in one shard", async () => {
			const names = ["alice", "bob", "carol", "dave", "erin", "frank"];
			const ids = [];
			for (const username of names) {
				const res = await postJson("/api/v1/users", { username, password: PASSWORD });
				expect(res.status).toBe(201);
				ids.push(((await res.json()) as { id: number }).id);
			}
			expect(ids).toEqual([1, 2, 3, 4, 5, 6]);
			// The tutorial's walkthrough: the first user registered is user 1.
			expect(await (await api("/validate_user/1")).json()).toEqual({ message: "User is valid" });

			const perShard = await Promise.all(
				testUsersShards().map(
					async (shard) =>
						(await shard.prepare("SELECT id FROM users").all<{ id: number }>()).results.length,
				),
			);
			expect(perShard.every((count) => count > 0)).toBe(true);
			const all = await rowsInAllShards<{ id: number }>("SELECT id FROM users");
			expect(all.map((row) => row.id).sort((a, b) => a - b)).toEqual(ids);
			for (const username of names) {
				const login = await postJson("/api/v1/auth/login", { username, password: PASSWORD });
				expect(login.status, username).toBe(200);
			}
		});
	});

	describe("security", () => {
		// 100 password hashes on one busy machine can take longer than Vitest's default 5 s.
		it("gives exactly one of 100 concurrent registrations of case and width variants of a name a 201", {
			timeout: 60_000,
		}, async () => {
			const variants = ["grace", "GRACE", "Grace", "gRaCe", "ｇｒａｃｅ"];
			const answers = await Promise.all(
				Array.from({ length: 100 }, (_, n) =>
					postJson(
						"/register",
						{ username: variants[n % variants.length], password: "pass123" },
						{ "CF-Connecting-IP": `198.51.100.${n % 50}` },
					),
				),
			);
			const statuses = answers.map((res) => res.status);
			expect(statuses.filter((status) => status === 201)).toHaveLength(1);
			expect(statuses.filter((status) => status === 409)).toHaveLength(99);
			const stored = await rowsInAllShards("SELECT id FROM users WHERE username_key = 'grace'");
			expect(stored).toHaveLength(1);
		});
	});
});

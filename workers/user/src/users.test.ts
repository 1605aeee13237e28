import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findCredentials, findUserById, insertUser, usernameKey, usersDb } from "./users";

const db = () => usersDb(env.DB);
const newUser = (username: string, email?: string) => ({
	username,
	...(email === undefined ? {} : { email }),
	passwordHash: "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",
	createdAt: new Date("2026-01-02T03:04:05.000Z"),
});

describe("insertUser", () => {
	describe("happy", () => {
		it("numbers users from 1 in creation order", async () => {
			const first = await insertUser(db(), newUser("alice"));
			const second = await insertUser(db(), newUser("bob"));
			expect(first).toEqual({
				ok: true,
				value: { id: 1, username: "alice", createdAt: "2026-01-02T03:04:05.000Z" },
			});
			expect(second.ok && second.value.id).toBe(2);
		});
	});

	describe("errors", () => {
		it("refuses a username taken in any case, storing nothing and spending no id", async () => {
			const carol = await insertUser(db(), newUser("Carol"));
			expect(await insertUser(db(), newUser("cAROL"))).toEqual({
				ok: false,
				error: "username_taken",
			});
			const next = await insertUser(db(), newUser("carl"));
			expect(carol.ok && next.ok && next.value.id - carol.value.id).toBe(1);
			const { count } = (await env.DB.prepare(
				"SELECT count(*) AS count FROM users WHERE username_key = 'carol'",
			).first<{ count: number }>()) ?? { count: -1 };
			expect(count).toBe(1);
		});
	});

	describe("security", () => {
		it("never returns the password hash", async () => {
			const created = await insertUser(db(), newUser("dave", "dave@example.com"));
			expect(created.ok && Object.keys(created.value).sort()).toEqual([
				"createdAt",
				"email",
				"id",
				"username",
			]);
		});
	});
});

describe("findUserById and findCredentials", () => {
	describe("happy", () => {
		it("find a stored user by id, and by name in any case with its hash", async () => {
			const created = await insertUser(db(), newUser("erin"));
			if (!created.ok) throw new Error("insert failed");
			expect(await findUserById(db(), created.value.id)).toEqual(created.value);
			expect(await findCredentials(db(), "ERIN")).toEqual({
				user: created.value,
				passwordHash: newUser("erin").passwordHash,
			});
		});
	});

	describe("errors", () => {
		it("return null for an unknown id or name", async () => {
			expect(await findUserById(db(), 9999)).toBeNull();
			expect(await findCredentials(db(), "nobody")).toBeNull();
		});
	});
});

describe("usernameKey", () => {
	describe("happy", () => {
		it("folds case and compatibility forms", () => {
			expect(usernameKey("ALICE")).toBe("alice");
			expect(usernameKey("ａｌｉｃｅ")).toBe("alice");
		});
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { usernameKey } from "../../../shared/users";
import { findUserById, insertUser, usersDb } from "./users";

const db = () => usersDb(env.DB);
const newUser = (username: string, email?: string) => ({
	username,
	...(email === undefined ? {} : { email }),
	passwordHash: "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",
	createdAt: new Date("2026-01-02T03:04:05.000Z"),
});

describe("insertUser", () => {
	it("numbers users from 1 in creation order", async () => {
		const first = await insertUser(db(), newUser("alice"));
		const second = await insertUser(db(), newUser("bob"));
		expect(first).toEqual({
			ok: true,
			value: { id: 1, username: "alice", createdAt: "2026-01-02T03:04:05.000Z" },
		});
		expect(second.ok && second.value.id).toBe(2);
	});

	it("refuses a username taken in any case", async () => {
		await insertUser(db(), newUser("Carol"));
		expect(await insertUser(db(), newUser("cAROL"))).toEqual({
			ok: false,
			error: "username_taken",
		});
	});

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

describe("findUserById", () => {
	it("finds a stored user and returns null for an unknown id", async () => {
		const created = await insertUser(db(), newUser("erin"));
		if (!created.ok) throw new Error("insert failed");
		expect(await findUserById(db(), created.value.id)).toEqual(created.value);
		expect(await findUserById(db(), 9999)).toBeNull();
	});
});

describe("usernameKey", () => {
	it("folds case and compatibility forms", () => {
		expect(usernameKey("ALICE")).toBe("alice");
		expect(usernameKey("ａｌｉｃｅ")).toBe("alice");
	});
});

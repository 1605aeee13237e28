import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { usernameKey } from "#shared/contracts/username";
import { testCall } from "#test/call-context";
import {
	deleteUser,
	findCredentials,
	findUserById,
	insertUser,
	nameTaken,
	userExists,
	usersDb,
} from "./users";

// One shard: these are the queries of one users database.
const db = () => usersDb(env.USERS_DB_0);
let ids = 0;
/** A user to insert, under the next id (the UserIds object gives them in the worker). */
const newUser = (username: string, email?: string) => ({
	id: ++ids,
	username,
	...(email === undefined ? {} : { email }),
	passwordHash: "pbkdf2-sha256$1$c2FsdA==$aGFzaA==",
	createdAt: new Date("2026-01-02T03:04:05.000Z"),
});

async function insertedUser(username: string, email?: string) {
	const created = await insertUser(db(), newUser(username, email), testCall());
	if (!created.ok) throw new Error(`insert ${username}: ${created.error}`);
	return created.value;
}

const outboxEvents = async () =>
	(
		await env.USERS_DB_0.prepare("SELECT event FROM outbox ORDER BY created_at").all<{
			event: string;
		}>()
	).results.map((row) => JSON.parse(row.event));

describe("insertUser", () => {
	describe("happy", () => {
		it("stores each user under the id it is given", async () => {
			const first = await insertedUser("alice");
			const second = await insertedUser("bob");
			expect(first.user).toEqual({
				id: 1,
				username: "alice",
				createdAt: "2026-01-02T03:04:05.000Z",
			});
			expect(second.user.id).toBe(2);
		});

		it("writes the user.registered event to the outbox with the user, naming the request", async () => {
			const { user, event } = await insertedUser("frank");
			expect(event).toEqual({
				type: "user.registered",
				eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
				userId: user.id,
				occurredAt: "2026-01-02T03:04:05.000Z",
				requestId: testCall().requestId,
				traceparent: testCall().traceparent,
			});
			expect(await outboxEvents()).toContainEqual(event);
		});
	});

	describe("errors", () => {
		it("refuses a username taken in any case: no user, no event", async () => {
			const carol = await insertedUser("Carol");
			const eventsBefore = await outboxEvents();
			expect(await insertUser(db(), newUser("cAROL"), testCall())).toEqual({
				ok: false,
				error: "username_taken",
			});
			expect(await outboxEvents()).toEqual(eventsBefore);
			expect(await nameTaken(env.USERS_DB_0, "CAROL")).toBe(true);
			expect(await nameTaken(env.USERS_DB_0, "carl")).toBe(false);
			expect(carol.user.id).toBeGreaterThan(0);
			const { count } = (await env.USERS_DB_0.prepare(
				"SELECT count(*) AS count FROM users WHERE username_key = 'carol'",
			).first<{ count: number }>()) ?? { count: -1 };
			expect(count).toBe(1);
		});
	});

	describe("security", () => {
		it("never returns the password hash", async () => {
			const { user } = await insertedUser("dave", "dave@example.com");
			expect(Object.keys(user).sort()).toEqual(["createdAt", "email", "id", "username"]);
		});
	});
});

describe("findUserById and findCredentials", () => {
	describe("happy", () => {
		it("find a stored user by id, and by name in any case with its hash", async () => {
			const { user } = await insertedUser("erin");
			expect(await findUserById(db(), user.id)).toEqual(user);
			expect(await findCredentials(db(), "ERIN")).toEqual({
				user,
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

describe("userExists", () => {
	describe("happy", () => {
		it("finds a stored user by id", async () => {
			const { user } = await insertedUser("heidi");
			expect(await userExists(env.USERS_DB_0, user.id)).toBe(true);
		});
	});

	describe("errors", () => {
		it("finds no user for an unknown id, nor for a deleted one", async () => {
			const { user } = await insertedUser("ivan");
			expect(await deleteUser(db(), user.id, testCall())).toMatchObject({
				type: "user.deleted",
				userId: user.id,
			});
			expect(await userExists(env.USERS_DB_0, user.id)).toBe(false);
			expect(await userExists(env.USERS_DB_0, 9999)).toBe(false);
		});
	});
});

describe("deleteUser", () => {
	describe("happy", () => {
		it("deletes the user with their user.deleted event in the outbox, once", async () => {
			const { user } = await insertedUser("judy");
			const [first, second] = await Promise.all([
				deleteUser(db(), user.id, testCall()),
				deleteUser(db(), user.id, testCall()),
			]);
			expect([first, second].filter((event) => event !== null)).toHaveLength(1);
			const deletions = (await outboxEvents()).filter(
				(event) => event.type === "user.deleted" && event.userId === user.id,
			);
			expect(deletions).toHaveLength(1);
			expect(await findUserById(db(), user.id)).toBeNull();
		});
	});

	describe("security", () => {
		it("never gives a deleted user's id to a new user", async () => {
			const { user } = await insertedUser("kim");
			await deleteUser(db(), user.id, testCall());
			const { user: next } = await insertedUser("kim");
			expect(next.id).toBeGreaterThan(user.id);
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

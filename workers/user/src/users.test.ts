import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { usernameKey } from "../../../shared/username";
import { testCall } from "../../../test/call-context";
import {
	findCredentials,
	findPrincipalUser,
	findUserById,
	insertUser,
	principalExists,
	usersDb,
} from "./users";

const db = () => usersDb(env.DB);
const newUser = (username: string, email?: string) => ({
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
		await env.DB.prepare("SELECT event FROM outbox ORDER BY created_at").all<{ event: string }>()
	).results.map((row) => JSON.parse(row.event));

describe("insertUser", () => {
	describe("happy", () => {
		it("numbers users from 1 in creation order", async () => {
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
		it("refuses a username taken in any case: no user, no event, no id spent", async () => {
			const carol = await insertedUser("Carol");
			const eventsBefore = await outboxEvents();
			expect(await insertUser(db(), newUser("cAROL"), testCall())).toEqual({
				ok: false,
				error: "username_taken",
			});
			expect(await outboxEvents()).toEqual(eventsBefore);
			const next = await insertedUser("carl");
			expect(next.user.id - carol.user.id).toBe(1);
			const { count } = (await env.DB.prepare(
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
				tokenKey: expect.stringMatching(/^[0-9a-f]{32}$/),
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

describe("principalExists", () => {
	async function principalOf(username: string) {
		const { user } = await insertedUser(username);
		const tokenKey = (await findCredentials(db(), username))?.tokenKey ?? null;
		if (tokenKey === null) throw new Error(`no token key for ${username}`);
		return { userId: user.id, tokenKey };
	}

	describe("happy", () => {
		it("admits a token's principal whose key is the user's, as findPrincipalUser does", async () => {
			const principal = await principalOf("grace");
			expect(await principalExists(env.DB, principal)).toBe(true);
			expect(await findPrincipalUser(db(), principal)).not.toBeNull();
		});

		it("admits a tutorial principal (no token key) when the user exists", async () => {
			const { userId } = await principalOf("heidi");
			expect(await principalExists(env.DB, { userId, tokenKey: null })).toBe(true);
		});
	});

	describe("security", () => {
		it("refuses another key, an unknown user and another user's key, as findPrincipalUser does", async () => {
			const ivan = await principalOf("ivan");
			const judy = await principalOf("judy");
			const refused = [
				{ userId: ivan.userId, tokenKey: "0".repeat(32) },
				{ userId: 9999, tokenKey: ivan.tokenKey },
				{ userId: 9999, tokenKey: null },
				{ userId: ivan.userId, tokenKey: judy.tokenKey },
			];
			for (const principal of refused) {
				expect(await principalExists(env.DB, principal)).toBe(false);
				expect(await findPrincipalUser(db(), principal)).toBeNull();
			}
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

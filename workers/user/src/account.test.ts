import { createExecutionContext, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "#test/call-context";
import { userDeleted } from "#test/events";
import { deliver } from "#test/queues";
import worker, { UserService } from "./index";
import { hashRefreshToken } from "./refresh-tokens";
import { MAX_SESSIONS, startSession } from "./sessions";
import { userShards } from "./shards";

const call = testCall();
const service = () => new UserService(createExecutionContext(), env);

let names = 0;
/** Registers a user and logs in once: the user, their first session and its refresh token. */
async function signedUp(password = "pass1234") {
	names += 1;
	const username = `acct${names}`;
	const created = await service().createUser(call, { username, password });
	const started = await service().logIn(call, username, password);
	if (!created.ok || !started.ok) throw new Error("setup failed");
	const { session } = started.value;
	const { user } = created.value;
	return {
		user,
		username,
		session,
		principal: { userId: user.id, sessionId: session.sessionId },
	};
}

async function logIn(username: string, password = "pass1234") {
	const started = await service().logIn(call, username, password);
	if (!started.ok) throw new Error("login failed");
	return started.value.session;
}

async function outboxEvents() {
	const events = [];
	for (const shard of userShards(env)) {
		const { results } = await shard.prepare("SELECT event FROM outbox").all<{ event: string }>();
		events.push(...results.map((row) => JSON.parse(row.event)));
	}
	return events;
}

describe("refresh tokens", () => {
	describe("happy", () => {
		it("rotate: the next token works once, in the same session, and the spent one never again", async () => {
			const { principal, session } = await signedUp();
			const first = await service().refresh(call, session.refreshToken);
			expect(first).toEqual({
				ok: true,
				value: {
					userId: principal.userId,
					session: {
						sessionId: session.sessionId,
						refreshToken: expect.not.stringMatching(session.refreshToken),
						refreshExpiresAt: expect.any(Number),
					},
				},
			});
			if (!first.ok) return;
			const second = await service().refresh(call, first.value.session.refreshToken);
			expect(second.ok).toBe(true);
			expect(await service().isValidUser(call, principal)).toBe(true);
		});
	});

	describe("errors", () => {
		it.each([
			["malformed", "not-a-token"],
			["of no session", `1.${"A".repeat(43)}`],
			["with an id that is not a user's", `0.${"A".repeat(43)}`],
		])("refuse a token that is %s", async (_case, token) => {
			expect(await service().refresh(call, token)).toEqual({
				ok: false,
				error: "invalid_refresh_token",
			});
		});
	});

	describe("security", () => {
		it("end the whole session when a spent token comes back (reuse detection)", async () => {
			const { principal, session } = await signedUp();
			const next = await service().refresh(call, session.refreshToken);
			if (!next.ok) throw new Error("refresh failed");
			expect(await service().refresh(call, session.refreshToken)).toEqual({
				ok: false,
				error: "refresh_token_reused",
			});
			// The thief and the owner lose it alike: the newer token and the access tokens.
			expect(await service().refresh(call, next.value.session.refreshToken)).toEqual({
				ok: false,
				error: "invalid_refresh_token",
			});
			expect(await service().isValidUser(call, principal)).toBe(false);
		});

		it("give exactly one of 50 concurrent refreshes with one token a new token", async () => {
			const { session } = await signedUp();
			const results = await Promise.all(
				Array.from({ length: 50 }, () => service().refresh(call, session.refreshToken)),
			);
			expect(results.filter((result) => result.ok)).toHaveLength(1);
			for (const result of results.filter((r) => !r.ok)) {
				expect(["refresh_token_reused", "invalid_refresh_token"]).toContain(
					!result.ok && result.error,
				);
			}
		});

		it("store nothing for a refresh or logout that names a made-up user", async () => {
			const madeUp = `777777.${"A".repeat(43)}`;
			expect((await service().refresh(call, madeUp)).ok).toBe(false);
			await service().logOut(call, madeUp);
			const tables = await runInDurableObject(env.ACCOUNT.getByName("777777"), (_instance, state) =>
				state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
			);
			expect(tables.filter((table) => !String(table.name).startsWith("_cf"))).toEqual([]);
		});

		it("store only a hash of each token", async () => {
			const { user, session } = await signedUp();
			const stored = await runInDurableObject(
				env.ACCOUNT.getByName(String(user.id)),
				(_instance, state) =>
					state.storage.sql
						.exec<{ refresh_hash: string }>("SELECT refresh_hash FROM sessions")
						.toArray(),
			);
			expect(stored).toEqual([{ refresh_hash: await hashRefreshToken(session.refreshToken) }]);
		});
	});
});

describe("sessions", () => {
	describe("happy", () => {
		it("list one per login, most recently used first, marking the caller's", async () => {
			const { username, principal } = await signedUp();
			const other = await logIn(username);
			const listed = await service().listSessions(call, principal);
			expect(listed).toEqual({
				ok: true,
				value: [
					{
						id: other.sessionId,
						createdAt: expect.any(String),
						lastUsedAt: expect.any(String),
						current: false,
					},
					expect.objectContaining({ id: principal.sessionId, current: true }),
				],
			});
		});

		it("end one: its tokens stop working, the others' do not", async () => {
			const { username, principal } = await signedUp();
			const other = await logIn(username);
			expect(await service().endSession(call, principal, other.sessionId)).toEqual({
				ok: true,
				value: null,
			});
			const otherPrincipal = { userId: principal.userId, sessionId: other.sessionId };
			expect(await service().isValidUser(call, otherPrincipal)).toBe(false);
			expect((await service().refresh(call, other.refreshToken)).ok).toBe(false);
			expect(await service().isValidUser(call, principal)).toBe(true);
		});

		it("end on logout, by the latest refresh token or a spent one", async () => {
			const { username, principal, session } = await signedUp();
			await service().logOut(call, session.refreshToken);
			expect(await service().isValidUser(call, principal)).toBe(false);

			const second = await logIn(username);
			const next = await service().refresh(call, second.refreshToken);
			if (!next.ok) throw new Error("refresh failed");
			await service().logOut(call, second.refreshToken);
			const secondPrincipal = { userId: principal.userId, sessionId: second.sessionId };
			expect(await service().isValidUser(call, secondPrincipal)).toBe(false);
			// A logout of a token of no session changes nothing, and says nothing.
			await expect(service().logOut(call, "not-a-token")).resolves.toBeUndefined();
		});

		it("end all at once, the caller's too", async () => {
			const { username, principal } = await signedUp();
			const other = await logIn(username);
			expect(await service().endAllSessions(call, principal)).toEqual({ ok: true, value: null });
			for (const sessionId of [principal.sessionId, other.sessionId]) {
				expect(await service().isValidUser(call, { userId: principal.userId, sessionId })).toBe(
					false,
				);
			}
			expect(await service().endAllSessions(call, principal)).toEqual({
				ok: false,
				error: "invalid_session",
			});
		});

		it(`keep at most ${MAX_SESSIONS}: the least recently used ends first`, async () => {
			const sessions = await runInDurableObject(
				env.ACCOUNT.getByName("session-cap"),
				(instance, state) => {
					const now = Date.now();
					const first = instance.start(call, "hash-0", 0);
					if (!first) throw new Error("no session");
					const started = [
						first,
						...Array.from({ length: MAX_SESSIONS }, (_, n) =>
							startSession(state.storage.sql, `hash-${n + 1}`, now + 1_000 * (n + 1)),
						),
					];
					const live = state.storage.sql
						.exec<{ id: string }>("SELECT id FROM sessions")
						.toArray()
						.map((row) => row.id);
					return { started, live };
				},
			);
			expect(sessions.live).toHaveLength(MAX_SESSIONS);
			expect(sessions.live).not.toContain(sessions.started[0]?.id);
			expect(sessions.live).toContain(sessions.started[MAX_SESSIONS]?.id);
		});
	});

	describe("errors", () => {
		it("answer not_found for a session that is not the user's", async () => {
			const { principal } = await signedUp();
			const stranger = await signedUp();
			expect(await service().endSession(call, principal, stranger.principal.sessionId)).toEqual({
				ok: false,
				error: "not_found",
			});
			expect(await service().isValidUser(call, stranger.principal)).toBe(true);
		});
	});
});

describe("changePassword", () => {
	describe("happy", () => {
		it("changes it, ends every session and starts a new one for the caller", async () => {
			const { username, principal } = await signedUp();
			const other = await logIn(username);
			const changed = await service().changePassword(call, principal, "pass1234", "new-pass-5678");
			if (!changed.ok) throw new Error(changed.error);
			const fresh = { userId: principal.userId, sessionId: changed.value.session.sessionId };
			expect(await service().isValidUser(call, fresh)).toBe(true);
			expect(await service().isValidUser(call, principal)).toBe(false);
			expect((await service().refresh(call, other.refreshToken)).ok).toBe(false);
			expect((await service().logIn(call, username, "pass1234")).ok).toBe(false);
			expect((await service().logIn(call, username, "new-pass-5678")).ok).toBe(true);
		});
	});

	describe("errors", () => {
		it("refuses a wrong current password and changes nothing", async () => {
			const { username, principal } = await signedUp();
			expect(
				await service().changePassword(call, principal, "wrong-pass", "new-pass-5678"),
			).toEqual({ ok: false, error: "invalid_credentials" });
			expect(await service().isValidUser(call, principal)).toBe(true);
			expect((await service().logIn(call, username, "pass1234")).ok).toBe(true);
		});
	});
});

describe("deleteAccount", () => {
	describe("happy", () => {
		it("deletes the user, closes every session and writes one user.deleted event", async () => {
			const { user, username, principal, session } = await signedUp();
			expect(await service().deleteAccount(call, principal, "pass1234")).toEqual({
				ok: true,
				value: null,
			});
			expect(await service().isValidUser(call, principal)).toBe(false);
			expect(await service().isValidUser(call, { userId: user.id, sessionId: null })).toBe(false);
			expect(await service().refresh(call, session.refreshToken)).toMatchObject({ ok: false });
			expect(await service().logIn(call, username, "pass1234")).toEqual({
				ok: false,
				error: "invalid_credentials",
			});
			const deletions = (await outboxEvents()).filter(
				(event) => event.type === "user.deleted" && event.userId === user.id,
			);
			// Sent once the answer has left, or still in the outbox: one either way.
			expect(deletions.length).toBeLessThanOrEqual(1);
		});
	});

	describe("errors", () => {
		it("refuses a wrong password and deletes nothing", async () => {
			const { user, principal } = await signedUp();
			expect(await service().deleteAccount(call, principal, "wrong-pass")).toEqual({
				ok: false,
				error: "invalid_credentials",
			});
			expect(await service().isValidUser(call, { userId: user.id, sessionId: null })).toBe(true);
		});
	});

	describe("security", () => {
		it("deletes once of 20 concurrent deletions", async () => {
			const { principal } = await signedUp();
			const results = await Promise.all(
				Array.from({ length: 20 }, () => service().deleteAccount(call, principal, "pass1234")),
			);
			expect(results.filter((result) => result.ok)).toHaveLength(1);
		});

		it("stops checking passwords after 5 wrong ones in a minute, even concurrent ones", async () => {
			const { principal } = await signedUp();
			const guesses = await Promise.all(
				Array.from({ length: 8 }, (_, n) => service().deleteAccount(call, principal, `guess-${n}`)),
			);
			const errors = guesses.map((result) => !result.ok && result.error);
			expect(errors.filter((error) => error === "invalid_credentials")).toHaveLength(5);
			expect(errors.filter((error) => error === "too_many_attempts")).toHaveLength(3);
			// Even the right password waits out the minute.
			expect(await service().deleteAccount(call, principal, "pass1234")).toEqual({
				ok: false,
				error: "too_many_attempts",
			});
			expect(await service().isValidUser(call, principal)).toBe(true);
		});

		it("starts no session for a login that raced the deletion", async () => {
			const { user } = await signedUp();
			const account = env.ACCOUNT.getByName(String(user.id));
			await account.close(call);
			expect(await account.start(call, "some-hash", 0)).toBeNull();
		});
	});
});

describe("the user.deleted consumer", () => {
	const erasedOrders = async () =>
		(await (await env.ORDER_SERVICE.fetch("http://order-stub/")).json()) as number[];

	describe("happy", () => {
		it("closes the account and has the order worker erase the user's orders", async () => {
			const { user, principal } = await signedUp();
			const event = userDeleted(user.id);
			const result = await deliver(worker, env, "tasks", [event]);
			expect(result.explicitAcks).toEqual(["m0"]);
			expect(await erasedOrders()).toContain(user.id);
			expect(await service().isValidUser(call, principal)).toBe(false);
			// A redelivery repeats harmless steps and is acknowledged again.
			expect((await deliver(worker, env, "tasks", [event], { attempts: 2 })).explicitAcks).toEqual([
				"m0",
			]);
		});
	});

	describe("errors", () => {
		it("retries while the order worker fails, and completes once it is back", async () => {
			const { user } = await signedUp();
			await env.ORDER_SERVICE.fetch("http://order-stub/fail?times=1", { method: "POST" });
			const event = userDeleted(user.id);
			const first = await deliver(worker, env, "tasks", [event]);
			expect(first.retryMessages).toEqual([{ msgId: "m0", delaySeconds: expect.any(Number) }]);
			const recovered = await deliver(worker, env, "tasks", [event], { attempts: 2 });
			expect(recovered.explicitAcks).toEqual(["m0"]);
			expect(await erasedOrders()).toContain(user.id);
		});
	});
});

import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testCall } from "#test/call-context";
import { UserService } from "./index";
import { userShards } from "./shards";

const call = testCall("req-1");
const service = () => new UserService(createExecutionContext(), env);

afterEach(() => {
	vi.restoreAllMocks();
});

/** Registers and logs in: the user and the principal of their new session. */
async function loggedIn(username: string) {
	const created = await service().createUser(call, { username, password: "pass1234" });
	const started = await service().logIn(call, username, "pass1234");
	if (!created.ok || !started.ok) throw new Error("setup failed");
	const { user } = created.value;
	return { user, principal: { userId: user.id, sessionId: started.value.session.sessionId } };
}

describe("UserService.logIn", () => {
	describe("happy", () => {
		it("starts a session for the right password, the name in any case", async () => {
			const created = await service().createUser(call, { username: "Alice", password: "pass1234" });
			const started = await service().logIn(call, "alice", "pass1234");
			expect(started).toEqual({
				ok: true,
				value: {
					user: created.ok && created.value.user,
					session: {
						sessionId: expect.stringMatching(/^[0-9a-f]{32}$/),
						refreshToken: expect.stringMatching(/^[1-9]\d*\.[A-Za-z0-9_-]{43}$/),
						refreshExpiresAt: expect.any(Number),
					},
				},
			});
			const days = started.ok && (started.value.session.refreshExpiresAt - Date.now()) / 86_400_000;
			expect(days).toBeCloseTo(30, 1);
		});
	});

	describe("security", () => {
		it("does the same PBKDF2 work, and answers the same, for an unknown user and a wrong password", async () => {
			await service().createUser(call, { username: "bob", password: "pass1234" });
			const derive = vi.spyOn(crypto.subtle, "deriveBits");

			const wrong = await service().logIn(call, "bob", "wrong-password");
			const wrongWork = derive.mock.calls.map(([params]) => params);
			derive.mockClear();
			const unknown = await service().logIn(call, "nobody", "wrong-password");
			const unknownWork = derive.mock.calls.map(([params]) => params);

			expect(wrong).toEqual({ ok: false, error: "invalid_credentials" });
			expect(unknown).toEqual(wrong);
			expect(wrongWork).toHaveLength(1);
			expect(unknownWork).toHaveLength(1);
			expect(unknownWork[0]).toMatchObject({ name: "PBKDF2", iterations: 100_000 });
			expect(wrongWork[0]).toMatchObject({ name: "PBKDF2", iterations: 100_000 });
		});
	});
});

describe("UserService logging", () => {
	describe("security", () => {
		it("logs one line per call under the caller's ids, never a password or hash", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			await service().createUser(call, { username: "carol", password: "secret-pass-1" });
			await service().logIn(call, "carol", "secret-pass-1");
			await service().logIn(call, "carol", "wrong-pass-2");

			const lines = log.mock.calls.map(([line]) => String(line));
			// The worker's own calls; its Account object's log beside them.
			const calls = lines
				.map((line) => JSON.parse(line))
				.filter((line) => "rpc" in line && !line.rpc.startsWith("Account."));
			expect(calls).toEqual([
				expect.objectContaining({
					service: "user",
					requestId: "req-1",
					traceId: "a".repeat(32),
					parentSpanId: "b".repeat(16),
					spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
					rpc: "createUser",
					status: "ok",
				}),
				expect.objectContaining({ rpc: "logIn", status: "ok" }),
				expect.objectContaining({ rpc: "logIn", status: "invalid_credentials" }),
			]);
			for (const line of lines) {
				expect(line).not.toMatch(/secret-pass-1|wrong-pass-2|pbkdf2/);
			}
		});
	});
});

describe("UserService.getUser and isValidUser", () => {
	describe("happy", () => {
		it("accept a principal with a live session of the user, and the tutorial's id-only principal", async () => {
			const { user, principal } = await loggedIn("dora");
			expect(await service().getUser(call, principal)).toEqual(user);
			expect(await service().isValidUser(call, principal)).toBe(true);
			expect(await service().isValidUser(call, { userId: user.id, sessionId: null })).toBe(true);
		});
	});

	describe("security", () => {
		it("refuse a session that is not the user's, an ended one, and a user that does not exist", async () => {
			const { user, principal } = await loggedIn("ed");
			const other = await loggedIn("ed2");
			const refused = [
				{ userId: user.id, sessionId: "0".repeat(32) },
				{ userId: user.id, sessionId: other.principal.sessionId },
				{ userId: 99_999, sessionId: principal.sessionId },
			];
			for (const forged of refused) {
				expect(await service().getUser(call, forged)).toBeNull();
				expect(await service().isValidUser(call, forged)).toBe(false);
				expect(await service().listNotifications(call, forged, { limit: 10 })).toEqual({
					ok: false,
					error: "invalid_user",
				});
			}
			expect(await service().isValidUser(call, { userId: 99_999, sessionId: null })).toBe(false);

			expect(await service().endAllSessions(call, principal)).toEqual({ ok: true, value: null });
			expect(await service().getUser(call, principal)).toBeNull();
			expect(await service().isValidUser(call, principal)).toBe(false);
		});
	});
});

/**
 * The users shards as D1 read replication can leave them: replicas that lag
 * behind every write of the test (they have no rows at all), a primary that
 * is down, or both. Sessions from a bookmark or on the primary see every
 * write. Local D1 has no replicas, so this stands in for them.
 */
function replicatedShards() {
	const state = { replicasLag: false, replicasDown: false, primaryDown: false };
	const noRows = { results: [], success: true, meta: {} };
	const down = async () => {
		throw new Error("D1_ERROR: database unavailable");
	};
	const statement = (rows: boolean) => {
		const self = {
			bind: () => self,
			all: rows ? async () => noRows : down,
			raw: rows ? async () => [] : down,
			first: rows ? async () => null : down,
			run: rows ? async () => noRows : down,
		};
		return self;
	};
	const fake = (rows: boolean) =>
		// A stand-in for the few methods drizzle calls on a session.
		({
			prepare: () => statement(rows),
			batch: rows ? async (all: unknown[]) => all.map(() => noRows) : down,
			getBookmark: () => null,
		}) as unknown as D1DatabaseSession;
	const shard = (db: D1Database) => ({
		batch: db.batch.bind(db),
		withSession(constraint: string) {
			if (constraint === "first-unconstrained") {
				if (state.replicasDown) return fake(false);
				if (state.replicasLag) return fake(true);
			} else if (state.primaryDown) {
				return fake(false);
			}
			return db.withSession(constraint);
		},
	});
	const shardsEnv = Object.fromEntries(
		userShards(env).map((db, i) => [`USERS_DB_${i}`, shard(db)]),
	);
	const replicated = () =>
		new UserService(createExecutionContext(), { ...env, ...shardsEnv } as typeof env);
	return { state, replicated };
}

describe("UserService over D1 read replication", () => {
	describe("happy", () => {
		it("finds a user registered a moment ago while replicas lag: through the registration's bookmark, or else the primary", async () => {
			const { state, replicated } = replicatedShards();
			state.replicasLag = true;
			const created = await replicated().createUser(call, {
				username: "fay",
				password: "pass1234",
			});
			if (!created.ok) throw new Error("setup failed");
			const { user, bookmark } = created.value;
			// The bookmark names its shard, so a read knows which database it is for.
			expect(bookmark).toMatch(/^[01]:./);
			const started = await replicated().logIn(call, "fay", "pass1234");
			if (!started.ok) throw new Error("login failed");
			const principal = { userId: user.id, sessionId: started.value.session.sessionId };

			const withBookmark = { ...call, bookmark: bookmark ?? "" };
			expect(await replicated().getUser(withBookmark, principal)).toEqual(user);
			expect(await replicated().getUser(call, principal)).toEqual(user);
			expect(await replicated().isValidUser(call, { userId: user.id, sessionId: null })).toBe(true);
		});

		it("serves reads from replicas while the primary is down; a login needs the primary", async () => {
			const { state, replicated } = replicatedShards();
			const { user, principal } = await loggedIn("gus");
			state.primaryDown = true;
			expect(await replicated().getUser(call, principal)).toEqual(user);
			expect(await replicated().isValidUser(call, { userId: user.id, sessionId: null })).toBe(true);
			await expect(replicated().logIn(call, "gus", "pass1234")).rejects.toThrow(/unavailable/);
		});
	});

	describe("errors", () => {
		it("answers for an id nobody registered without any database: its Account object knows no shard", async () => {
			const { state, replicated } = replicatedShards();
			state.primaryDown = true;
			state.replicasDown = true;
			expect(await replicated().isValidUser(call, { userId: 424_242, sessionId: null })).toBe(
				false,
			);
			expect(await replicated().getUser(call, { userId: 424_242, sessionId: null })).toBeNull();
		});
	});
});

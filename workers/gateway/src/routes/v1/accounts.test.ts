import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import {
	api,
	bearer,
	expectProblem,
	PASSWORD,
	postJson,
	signUp,
	type TokenPair,
	uniqueName,
} from "#test/requests";
import { countInAllShards, rowsInAllShards } from "#test/users-shards";
import { createApp } from "../../app";

/**
 * Accounts for real clients: refresh tokens, logout, sessions, password
 * change and deletion, through the gateway with the real workers behind it.
 */

const me = (token: string) => api("/api/v1/users/me", { headers: bearer(token) });
const refresh = (refreshToken: string) => postJson("/api/v1/auth/refresh", { refreshToken });
const logIn = (username: string, password = PASSWORD, ip = "192.0.2.50") =>
	postJson("/api/v1/auth/login", { username, password }, { "CF-Connecting-IP": ip });

function sendJson(method: string, path: string, body: unknown, token: string, ip = "192.0.2.60") {
	return api(path, {
		method,
		headers: { ...bearer(token), "Content-Type": "application/json", "CF-Connecting-IP": ip },
		body: JSON.stringify(body),
	});
}

const deleteAccount = (token: string, password = PASSWORD, ip?: string) =>
	sendJson("DELETE", "/api/v1/users/me", { password }, token, ip);

const changePassword = (token: string, currentPassword: string, newPassword: string, ip?: string) =>
	sendJson("PUT", "/api/v1/users/me/password", { currentPassword, newPassword }, token, ip);

async function pairOf(res: Response): Promise<TokenPair> {
	expect(res.status).toBe(200);
	return (await res.json()) as TokenPair;
}

async function expectInvalidToken(res: Response) {
	expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
	expect(await expectProblem(res, 401)).toMatchObject({ type: "/problems/invalid_token" });
}

/** The internal workers' log lines of a trace (see test/log-collector.js), once `done` holds. */
function linesOfTrace(traceId: string, done: (lines: Record<string, unknown>[]) => boolean) {
	return vi.waitFor(
		async () => {
			const res = await env.TEST_LOGS.fetch(`http://logs/?traceId=${traceId}`);
			const lines = (await res.json()) as Record<string, unknown>[];
			if (!done(lines)) throw new Error(`${lines.length} lines so far`);
			return lines;
		},
		{ timeout: 10_000, interval: 100 },
	);
}

describe("POST /api/v1/auth/refresh", () => {
	describe("happy", () => {
		it("answers a new pair for the same session; the spent refresh token is refused", async () => {
			const { refreshToken, token } = await signUp();
			const next = await pairOf(await refresh(refreshToken));
			expect(next).toEqual({
				accessToken: expect.any(String),
				tokenType: "Bearer",
				expiresIn: 900,
				refreshToken: expect.not.stringMatching(refreshToken),
				refreshExpiresIn: expect.any(Number),
			});
			expect((await me(next.accessToken)).status).toBe(200);
			// The access token from before the refresh stays good until it expires.
			expect((await me(token)).status).toBe(200);
			expect((await pairOf(await refresh(next.refreshToken))).accessToken).toEqual(
				expect.any(String),
			);
		});
	});

	describe("errors", () => {
		it.each([
			["an unknown token", { refreshToken: `1.${"A".repeat(43)}` }],
			["a token that is not one", { refreshToken: "hello" }],
		])("is 401 invalid_refresh_token for %s", async (_case, body) => {
			const res = await postJson("/api/v1/auth/refresh", body);
			expect(await expectProblem(res, 401)).toMatchObject({
				type: "/problems/invalid_refresh_token",
			});
		});

		it.each([
			["no token", {}],
			["an empty token", { refreshToken: "" }],
			["an unknown field", { refreshToken: "x", scope: "admin" }],
		])("is 400 for %s", async (_case, body) => {
			await expectProblem(await postJson("/api/v1/auth/refresh", body), 400);
		});
	});

	describe("security", () => {
		it("ends the whole session when a spent refresh token comes back (RFC 9700 reuse detection)", async () => {
			const { refreshToken } = await signUp();
			const stolen = refreshToken;
			const next = await pairOf(await refresh(refreshToken));
			const reused = await refresh(stolen);
			expect(await expectProblem(reused, 401)).toMatchObject({
				type: "/problems/invalid_refresh_token",
				detail: expect.stringContaining("already used"),
			});
			await expectInvalidToken(await me(next.accessToken));
			await expectProblem(await refresh(next.refreshToken), 401);
		});

		it("limits refreshes and logouts per client IP with the production settings", async () => {
			const production = { ...env, REFRESH_LIMITER: env.TEST_PRODUCTION_REFRESH_LIMITER };
			const app = createApp();
			const send = (path: string, ip: string) =>
				app.request(
					path,
					{
						method: "POST",
						headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
						body: JSON.stringify({ refreshToken: `1.${"B".repeat(43)}` }),
					},
					production,
				);
			const statuses: number[] = [];
			for (let n = 0; n < 300; n += 20) {
				const burst = Array.from({ length: 20 }, (_, i) =>
					send((n + i) % 2 ? "/api/v1/auth/logout" : "/api/v1/auth/refresh", "203.0.113.40"),
				);
				statuses.push(...(await Promise.all(burst)).map((res) => res.status));
			}
			expect(statuses.filter((status) => status === 429)).toEqual([]);
			const limited = await send("/api/v1/auth/refresh", "203.0.113.40");
			expect(limited.headers.get("retry-after")).toBe("60");
			await expectProblem(limited, 429);
			await expectProblem(await send("/api/v1/auth/logout", "203.0.113.40"), 429);
			await expectProblem(await send("/api/v1/auth/refresh", "203.0.113.41"), 401);
		});

		it("gives exactly one of 50 concurrent refreshes with one token a new pair; the others 401", async () => {
			const { refreshToken } = await signUp();
			const answers = await Promise.all(Array.from({ length: 50 }, () => refresh(refreshToken)));
			const statuses = answers.map((res) => res.status);
			expect(statuses.filter((status) => status === 200)).toHaveLength(1);
			expect(statuses.filter((status) => status === 401)).toHaveLength(49);
		});
	});
});

describe("POST /api/v1/auth/logout", () => {
	describe("happy", () => {
		it("ends the session: its access token and refresh token stop working at once", async () => {
			const { refreshToken, token } = await signUp();
			const res = await postJson("/api/v1/auth/logout", { refreshToken });
			expect(res.status).toBe(204);
			await expectInvalidToken(await me(token));
			await expectProblem(await refresh(refreshToken), 401);
			// Again: harmless.
			expect((await postJson("/api/v1/auth/logout", { refreshToken })).status).toBe(204);
		});
	});

	describe("errors", () => {
		it("is 400 without a refresh token", async () => {
			await expectProblem(await postJson("/api/v1/auth/logout", {}), 400);
		});
	});
});

describe("/api/v1/users/me/sessions", () => {
	describe("happy", () => {
		it("lists one session per login, marks the caller's, and ends one by id", async () => {
			const { user, headers } = await signUp();
			const other = await pairOf(await logIn(user.username));
			const res = await api("/api/v1/users/me/sessions", { headers });
			expect(res.status).toBe(200);
			const { sessions } = (await res.json()) as { sessions: { id: string; current: boolean }[] };
			expect(sessions).toHaveLength(2);
			expect(sessions.filter((session) => session.current)).toHaveLength(1);
			const otherSession = sessions.find((session) => !session.current);
			if (!otherSession) throw new Error("no other session");

			const ended = await api(`/api/v1/users/me/sessions/${otherSession.id}`, {
				method: "DELETE",
				headers,
			});
			expect(ended.status).toBe(204);
			await expectInvalidToken(await me(other.accessToken));
			await expectProblem(await refresh(other.refreshToken), 401);
			expect((await api("/api/v1/users/me", { headers })).status).toBe(200);
		});

		it("ends every session at once (log out everywhere)", async () => {
			const { user, headers, token } = await signUp();
			const other = await pairOf(await logIn(user.username));
			const res = await api("/api/v1/users/me/sessions", { method: "DELETE", headers });
			expect(res.status).toBe(204);
			for (const accessToken of [token, other.accessToken]) {
				await expectInvalidToken(await me(accessToken));
				await expectInvalidToken(await api("/api/v1/orders", { headers: bearer(accessToken) }));
			}
			await expectProblem(await refresh(other.refreshToken), 401);
		});
	});

	describe("errors", () => {
		it("is 404 for a session that is not the caller's, and 400 for one that is not a session id", async () => {
			const { headers } = await signUp();
			const stranger = await signUp();
			const theirs = (await (
				await api("/api/v1/users/me/sessions", { headers: stranger.headers })
			).json()) as { sessions: { id: string }[] };
			const id = theirs.sessions[0]?.id ?? "";
			const res = await api(`/api/v1/users/me/sessions/${id}`, { method: "DELETE", headers });
			await expectProblem(res, 404);
			expect((await me(stranger.token)).status).toBe(200);
			const bad = await api("/api/v1/users/me/sessions/not-a-session", {
				method: "DELETE",
				headers,
			});
			await expectProblem(bad, 400);
		});

		it("is 401 without a token", async () => {
			await expectProblem(await api("/api/v1/users/me/sessions"), 401);
		});
	});
});

describe("PUT /api/v1/users/me/password", () => {
	describe("happy", () => {
		it("changes it, ends every other session and token, and answers a new pair", async () => {
			const { user, token } = await signUp();
			const other = await pairOf(await logIn(user.username));
			const pair = await pairOf(await changePassword(token, PASSWORD, "a brand new password"));
			expect((await me(pair.accessToken)).status).toBe(200);
			await expectInvalidToken(await me(token));
			await expectInvalidToken(await me(other.accessToken));
			await expectProblem(await refresh(other.refreshToken), 401);
			await expectProblem(await logIn(user.username, PASSWORD, "192.0.2.51"), 401);
			expect((await logIn(user.username, "a brand new password", "192.0.2.52")).status).toBe(200);
		});
	});

	describe("errors", () => {
		it("is 401 invalid_credentials for a wrong current password, and changes nothing", async () => {
			const { user, token } = await signUp();
			const res = await changePassword(token, "not my password", "a brand new password");
			expect(await expectProblem(res, 401)).toMatchObject({
				type: "/problems/invalid_credentials",
			});
			expect((await me(token)).status).toBe(200);
			expect((await logIn(user.username, PASSWORD, "192.0.2.53")).status).toBe(200);
		});

		it.each([
			["a new password under 8 characters", { currentPassword: PASSWORD, newPassword: "short" }],
			["no current password", { newPassword: "a brand new password" }],
			["an unknown field", { currentPassword: PASSWORD, newPassword: "long enough", admin: true }],
		])("is 400 for %s", async (_case, body) => {
			const { token } = await signUp();
			await expectProblem(await sendJson("PUT", "/api/v1/users/me/password", body, token), 400);
		});
	});

	describe("security", () => {
		it("is rate limited like login: the sixth try in a minute is a 429", async () => {
			const { token } = await signUp();
			for (let n = 0; n < 5; n++) {
				await expectProblem(
					await changePassword(token, `wrong-${n}`, "a brand new password", "198.51.100.70"),
					401,
				);
			}
			const limited = await changePassword(
				token,
				PASSWORD,
				"a brand new password",
				"198.51.100.70",
			);
			expect(limited.headers.get("retry-after")).toBe("60");
			await expectProblem(limited, 429);
		});
	});
});

describe("DELETE /api/v1/users/me", () => {
	describe("happy", () => {
		it("deletes the account: tokens, login, validate_user and the old data are gone for good", async () => {
			const { user, token, refreshToken, headers } = await signUp();
			const ordered = await postJson(
				"/api/v1/orders",
				{ items: [{ sku: "kept", quantity: 1 }] },
				headers,
			);
			expect(ordered.status).toBe(201);
			const traceId = crypto.randomUUID().replaceAll("-", "");
			const res = await api("/api/v1/users/me", {
				method: "DELETE",
				headers: {
					...headers,
					"Content-Type": "application/json",
					traceparent: `00-${traceId}-b7ad6b7169203331-01`,
				},
				body: JSON.stringify({ password: PASSWORD }),
			});
			expect(res.status).toBe(204);

			await expectInvalidToken(await me(token));
			await expectProblem(await refresh(refreshToken), 401);
			await expectProblem(await logIn(user.username, PASSWORD, "192.0.2.54"), 401);
			expect((await api(`/validate_user/${user.id}`)).status).toBe(404);

			// The cascade: the order worker erases the OrderBook, once, through the queue.
			const lines = await linesOfTrace(traceId, (all) =>
				all.some((line) => line.rpc === "eraseOrders" && line.status === "ok"),
			);
			expect(lines.filter((line) => line.rpc === "OrderBook.erase")).toHaveLength(1);
			expect(await countInAllShards("SELECT count(*) AS n FROM users WHERE id = ?", user.id)).toBe(
				0,
			);
			expect(await countInAllShards("SELECT count(*) AS n FROM dead_letters")).toBe(0);

			// Someone takes the name: a new id, and nothing of the old account.
			const again = await signUp(user.username);
			expect(again.user.id).toBeGreaterThan(user.id);
			const orders = await api("/api/v1/orders", { headers: again.headers });
			expect(((await orders.json()) as { orders: unknown[] }).orders).toEqual([]);
		});
	});

	describe("errors", () => {
		it("is 401 invalid_credentials for a wrong password, and deletes nothing", async () => {
			const { token } = await signUp();
			const res = await deleteAccount(token, "not my password");
			expect(await expectProblem(res, 401)).toMatchObject({
				type: "/problems/invalid_credentials",
			});
			expect((await me(token)).status).toBe(200);
		});

		it("is 400 without a password, and 401 without a token", async () => {
			const { token } = await signUp();
			await expectProblem(await sendJson("DELETE", "/api/v1/users/me", {}, token), 400);
			await expectProblem(await api("/api/v1/users/me", { method: "DELETE" }), 401);
		});
	});

	describe("security", () => {
		it("answers one of 20 concurrent deletions with 204 and the rest with 401, leaving nothing", async () => {
			const { user, token } = await signUp();
			const answers = await Promise.all(Array.from({ length: 20 }, () => deleteAccount(token)));
			const statuses = answers.map((res) => res.status);
			expect(statuses.filter((status) => status === 204)).toHaveLength(1);
			expect(statuses.filter((status) => status === 401 || status === 404)).toHaveLength(19);
			expect(await countInAllShards("SELECT count(*) AS n FROM users WHERE id = ?", user.id)).toBe(
				0,
			);
			const events = await rowsInAllShards<{ event: string }>("SELECT event FROM outbox");
			const deletions = events
				.map((row) => JSON.parse(row.event))
				.filter((event) => event.type === "user.deleted" && event.userId === user.id);
			expect(deletions.length).toBeLessThanOrEqual(1);
		});

		it("answers 429 after 5 wrong passwords in a minute, and deletes nothing", async () => {
			const { token } = await signUp();
			for (let n = 0; n < 5; n++) {
				await expectProblem(await deleteAccount(token, `guess-${n}`), 401);
			}
			const limited = await deleteAccount(token, PASSWORD);
			expect(limited.headers.get("retry-after")).toBe("60");
			await expectProblem(limited, 429);
			expect((await me(token)).status).toBe(200);
		});

		it("keeps a new account of the same name from every trace of the old one, even before the cascade", async () => {
			const username = uniqueName("reborn");
			const old = await signUp(username);
			await postJson("/api/v1/orders", { items: [{ sku: "old", quantity: 1 }] }, old.headers);
			expect((await deleteAccount(old.token)).status).toBe(204);
			const fresh = await signUp(username);
			const orders = await api("/api/v1/orders", { headers: fresh.headers });
			expect(((await orders.json()) as { orders: unknown[] }).orders).toEqual([]);
			const notes = await api("/api/v1/users/me/notifications", { headers: fresh.headers });
			const { notifications } = (await notes.json()) as { notifications: { kind: string }[] };
			expect(notifications.every((n) => n.kind === "welcome")).toBe(true);
		});
	});
});

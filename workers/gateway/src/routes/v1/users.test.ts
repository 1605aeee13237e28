import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { INJECTIONS } from "#test/hostile";
import { api, bearer, expectProblem, PASSWORD, postJson, signUp, uniqueName } from "#test/requests";
import { countInAllShards, firstInAnyShard } from "#test/users-shards";
import { createApp } from "../../app";

describe("POST /api/v1/users", () => {
	describe("happy", () => {
		it("creates a user: 201, the user and its Location", async () => {
			const username = uniqueName("Alice");
			const res = await postJson("/api/v1/users", {
				username,
				password: PASSWORD,
				email: "alice@example.com",
			});
			expect(res.status).toBe(201);
			expect(res.headers.get("location")).toBe("/api/v1/users/me");
			expect(await res.json()).toEqual({
				id: expect.any(Number),
				username,
				email: "alice@example.com",
				createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			});
		});

		it("answers with a D1 bookmark that makes the next login and /users/me read the new user", async () => {
			const username = uniqueName("bookmarked");
			const created = await postJson("/api/v1/users", { username, password: PASSWORD });
			const bookmark = created.headers.get("x-d1-bookmark");
			expect(bookmark).toMatch(/^[\w.:-]+$/);
			const withBookmark = { "X-D1-Bookmark": bookmark ?? "" };
			const login = await postJson(
				"/api/v1/auth/login",
				{ username, password: PASSWORD },
				withBookmark,
			);
			expect(login.status).toBe(200);
			const { accessToken } = (await login.json()) as { accessToken: string };
			const me = await api("/api/v1/users/me", {
				headers: { ...bearer(accessToken), ...withBookmark },
			});
			expect(await me.json()).toMatchObject({ username });
		});

		it("reads as if no bookmark was sent when the one sent is malformed", async () => {
			const { headers, user } = await signUp();
			const me = await api("/api/v1/users/me", {
				headers: { ...headers, "X-D1-Bookmark": "'; DROP TABLE users; --" },
			});
			expect(await me.json()).toEqual(user);
		});
	});

	describe("errors", () => {
		it.each([
			["a short username", { username: "ab", password: PASSWORD }, "username"],
			["a username with spaces", { username: "a b c", password: PASSWORD }, "username"],
			["a 33-character username", { username: "a".repeat(33), password: PASSWORD }, "username"],
			["a 7-character password", { username: "valid_name", password: "1234567" }, "password"],
			[
				"a 129-character password",
				{ username: "valid_name", password: "p".repeat(129) },
				"password",
			],
			["a bad email", { username: "valid_name", password: PASSWORD, email: "nope" }, "email"],
			["a missing password", { username: "valid_name" }, "password"],
			["an unknown field", { username: "valid_name", password: PASSWORD, admin: true }, "admin"],
		])("is 400 with the field for %s", async (_case, body, path) => {
			const problem = await expectProblem(await postJson("/api/v1/users", body), 400);
			expect(problem).toMatchObject({ type: "/problems/validation_failed", status: 400 });
			expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
		});

		it("is 409 for a username taken in another case", async () => {
			const username = uniqueName("Bob");
			await postJson("/api/v1/users", { username, password: PASSWORD });
			const res = await postJson("/api/v1/users", {
				username: username.toUpperCase(),
				password: PASSWORD,
			});
			expect(await expectProblem(res, 409)).toMatchObject({ detail: "That username is taken" });
		});

		it("lets exactly one of many concurrent registrations of a name win", async () => {
			const username = uniqueName("Race");
			const names = [username, username.toLowerCase(), username.toUpperCase()];
			const results = await Promise.all(
				Array.from({ length: 9 }, (_, n) =>
					postJson("/api/v1/users", { username: names[n % 3], password: PASSWORD }),
				),
			);
			const statuses = results.map((res) => res.status).sort();
			expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409]);
		});

		it("is 409 for a name taken through the tutorial's /register", async () => {
			const username = uniqueName("tut");
			await postJson("/register", { username, password: "pass123" });
			await expectProblem(await postJson("/api/v1/users", { username, password: PASSWORD }), 409);
		});

		it("is 400 for malformed JSON and 415 for a body that is not JSON", async () => {
			const headers = { "Content-Type": "application/json" };
			await expectProblem(await api("/api/v1/users", { method: "POST", headers, body: "{" }), 400);
			const form = { "Content-Type": "application/x-www-form-urlencoded" };
			await expectProblem(
				await api("/api/v1/users", { method: "POST", headers: form, body: "a=b" }),
				415,
			);
		});

		it("is 413 for a body over 16 KiB", async () => {
			const res = await postJson("/api/v1/users", { username: "x", password: "y".repeat(17_000) });
			await expectProblem(res, 413);
		});
	});

	describe("security", () => {
		it("limits registrations per client IP with the production settings, the tutorial's /register included", async () => {
			const production = { ...env, REGISTRATION_LIMITER: env.TEST_PRODUCTION_REGISTRATION_LIMITER };
			const app = createApp();
			const register = (path: string, ip: string) =>
				app.request(
					path,
					{
						method: "POST",
						headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
						body: JSON.stringify({ username: uniqueName("flood"), password: PASSWORD }),
					},
					production,
				);
			const statuses: number[] = [];
			for (let n = 0; n < 10; n++) {
				statuses.push(
					(await register(n % 2 ? "/register" : "/api/v1/users", "203.0.113.5")).status,
				);
			}
			expect(statuses).toEqual(Array(10).fill(201));
			const limited = await register("/api/v1/users", "203.0.113.5");
			expect(limited.headers.get("retry-after")).toBe("60");
			await expectProblem(limited, 429);
			await expectProblem(await register("/register", "203.0.113.5"), 429);
			expect((await register("/api/v1/users", "203.0.113.6")).status).toBe(201);
		});

		it("refuses SQL and path injection in a username or email (400, nothing stored), and keeps it in a password as text", async () => {
			const count = () => countInAllShards("SELECT count(*) AS n FROM users");
			const before = await count();
			for (const text of INJECTIONS) {
				const badName = await postJson("/api/v1/users", { username: text, password: PASSWORD });
				expect((await expectProblem(badName, 400)).errors).toEqual([
					expect.objectContaining({ path: "username" }),
				]);
				const badEmail = await postJson("/api/v1/users", {
					username: uniqueName(),
					password: PASSWORD,
					email: text,
				});
				expect((await expectProblem(badEmail, 400)).errors).toEqual([
					expect.objectContaining({ path: "email" }),
				]);
			}
			expect(await count()).toBe(before);

			const password = INJECTIONS.find((text) => text.length >= 8) ?? "";
			const username = uniqueName();
			expect((await postJson("/api/v1/users", { username, password })).status).toBe(201);
			expect((await postJson("/api/v1/auth/login", { username, password })).status).toBe(200);
		});

		it("never returns or stores the password, only a salted PBKDF2 hash", async () => {
			const username = uniqueName();
			const res = await postJson("/api/v1/users", { username, password: PASSWORD });
			const text = await res.text();
			expect(text).not.toContain(PASSWORD);
			expect(text).not.toMatch(/hash|salt|password/i);
			const row = await firstInAnyShard<{ password_hash: string }>(
				"SELECT password_hash FROM users WHERE username = ?",
				username,
			);
			expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$[^$]+\$[^$]+$/);
		});
	});
});

describe("GET /api/v1/users/me", () => {
	describe("happy", () => {
		it("is the token's user", async () => {
			const { user, headers } = await signUp();
			const res = await api("/api/v1/users/me", { headers });
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual(user);
		});

		it("takes the scheme name in any case", async () => {
			const { token } = await signUp();
			const res = await api("/api/v1/users/me", { headers: { Authorization: `bearer ${token}` } });
			expect(res.status).toBe(200);
		});
	});

	describe("errors", () => {
		it("is 401 without a token or with a malformed one", async () => {
			await expectProblem(await api("/api/v1/users/me"), 401);
			const res = await api("/api/v1/users/me", { headers: bearer("not-a-jwt") });
			expect(res.headers.get("www-authenticate")).toContain("Bearer");
			await expectProblem(res, 401);
		});
	});

	describe("security", () => {
		it("is 401 for a token whose signature was tampered with", async () => {
			const { token } = await signUp();
			const [header, , signature] = token.split(".");
			const forged = btoa(JSON.stringify({ sub: "1", iss: "gateway", aud: "api", exp: 9e9 }))
				.replace(/=+$/, "")
				.replace(/\+/g, "-")
				.replace(/\//g, "_");
			const res = await api("/api/v1/users/me", {
				headers: bearer(`${header}.${forged}.${signature}`),
			});
			await expectProblem(res, 401);
		});
	});
});

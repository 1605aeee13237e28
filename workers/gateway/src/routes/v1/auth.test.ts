import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import {
	api,
	appRequest,
	bearer,
	expectProblem,
	PASSWORD,
	postJson,
	signUp,
	uniqueName,
} from "../../../../../test/requests";

const login = (username: string, password: string) =>
	postJson("/api/v1/auth/login", { username, password });

function claimsOf(token: string) {
	const decode = (part = "") => JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
	const [header, payload] = token.split(".");
	return { header: decode(header), payload: decode(payload) };
}

describe("POST /api/v1/auth/login", () => {
	describe("happy", () => {
		it("issues a 15-minute HS256 bearer token for the user", async () => {
			const { user } = await signUp();
			const res = await login(user.username, PASSWORD);
			expect(res.status).toBe(200);
			const body = (await res.json()) as { accessToken: string };
			expect(body).toEqual({
				accessToken: expect.any(String),
				tokenType: "Bearer",
				expiresIn: 900,
			});
			const { header, payload } = claimsOf(body.accessToken);
			expect(header).toEqual({ alg: "HS256", typ: "JWT" });
			expect(payload).toEqual({
				sub: String(user.id),
				iat: expect.any(Number),
				exp: payload.iat + 900,
				iss: "gateway",
				aud: "api",
			});
		});

		it("accepts the username in another case", async () => {
			const { user } = await signUp(uniqueName("Carol"));
			expect((await login(user.username.toLowerCase(), PASSWORD)).status).toBe(200);
		});

		it("lets a user registered through the tutorial's /register log in", async () => {
			const username = uniqueName("tut");
			await postJson("/register", { username, password: "pass123" });
			expect((await login(username, "pass123")).status).toBe(200);
		});
	});

	describe("errors", () => {
		it("gives one generic 401 for a wrong password and an unknown user", async () => {
			const { user } = await signUp();
			const wrong = await expectProblem(await login(user.username, "wrong password"), 401);
			const unknown = await expectProblem(await login(uniqueName("ghost"), PASSWORD), 401);
			expect(wrong.detail).toBe("Invalid username or password");
			expect(unknown.detail).toBe(wrong.detail);
		});

		it.each([
			["a missing password", { username: "someone" }],
			["an empty username", { username: "", password: PASSWORD }],
			["an unknown field", { username: "someone", password: PASSWORD, scope: "admin" }],
		])("is 400 for %s", async (_case, body) => {
			await expectProblem(await postJson("/api/v1/auth/login", body), 400);
		});
	});

	describe("security", () => {
		it("refuses to issue or accept tokens without a JWT_SECRET of 32 bytes", async () => {
			const { user, token } = await signUp();
			for (const JWT_SECRET of ["", "too-short-secret"]) {
				const weak = { ...env, JWT_SECRET };
				const issued = await appRequest(
					"/api/v1/auth/login",
					{
						method: "POST",
						headers: { "Content-Type": "application/json" },
						body: JSON.stringify({ username: user.username, password: PASSWORD }),
					},
					weak,
				);
				expect(issued.status).toBe(503);
				expect(issued.headers.get("retry-after")).toBe("5");
				expect(await issued.text()).not.toContain("accessToken");
				// A wrong password gets the same 503, so the answer says nothing about the password.
				const wrong = await appRequest(
					"/api/v1/auth/login",
					{
						method: "POST",
						headers: { "Content-Type": "application/json" },
						body: JSON.stringify({ username: user.username, password: "wrong password" }),
					},
					weak,
				);
				expect(wrong.status).toBe(503);
				const accepted = await appRequest("/api/v1/users/me", { headers: bearer(token) }, weak);
				expect(accepted.status).toBe(503);
			}
		});

		it("rejects expired tokens, other algorithms, other secrets, issuers and audiences", async () => {
			const { user } = await signUp();
			const now = Math.floor(Date.now() / 1000);
			const claims = { sub: String(user.id), iat: now, exp: now + 900, iss: "gateway", aud: "api" };
			const forged = [
				await sign({ ...claims, iat: now - 1000, exp: now - 100 }, env.JWT_SECRET, "HS256"),
				await sign(claims, env.JWT_SECRET, "HS512"),
				await sign(claims, "another-secret-that-is-long-enough-000", "HS256"),
				await sign({ ...claims, iss: "someone-else" }, env.JWT_SECRET, "HS256"),
				await sign({ ...claims, aud: "another-api" }, env.JWT_SECRET, "HS256"),
				`${btoa('{"alg":"none","typ":"JWT"}')}.${btoa(JSON.stringify(claims))}.`.replace(/=/g, ""),
			];
			// The genuine article works, so the failures below are the claims' fault.
			const genuine = await sign(claims, env.JWT_SECRET, "HS256");
			expect((await api("/api/v1/users/me", { headers: bearer(genuine) })).status).toBe(200);
			for (const token of forged) {
				await expectProblem(await api("/api/v1/users/me", { headers: bearer(token) }), 401);
			}
		});
	});
});

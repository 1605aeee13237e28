import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { issueAccessToken } from "../../auth/tokens";
import { asApiError, PROBLEMS } from "../../problems";
import { type RequireUserVariables, requireUser } from ".";

/** An app whose one route answers with the user id the middleware set, or the error's code. */
function guardedApp() {
	const app = new Hono<{ Bindings: { JWT_SECRET?: string }; Variables: RequireUserVariables }>();
	app.get("/", requireUser(), (c) => c.json(c.var.principal));
	app.onError((error, c) => {
		const code = asApiError(error)?.code ?? "internal_error";
		return c.json({ code }, PROBLEMS[code].status);
	});
	return app;
}

const SESSION = "5e55".repeat(8);

const request = (authorization: string | undefined, secrets = { JWT_SECRET: env.JWT_SECRET }) =>
	guardedApp().request(
		"/",
		{ headers: authorization === undefined ? {} : { Authorization: authorization } },
		secrets,
	);

describe("requireUser", () => {
	describe("happy", () => {
		it("admits a valid token and sets the principal from its sub and session", async () => {
			const { accessToken } = await issueAccessToken(env, { userId: 42, sessionId: SESSION });
			const res = await request(`Bearer ${accessToken}`);
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({ userId: 42, sessionId: SESSION });
		});

		it("takes the scheme name in any case", async () => {
			const { accessToken } = await issueAccessToken(env, { userId: 7, sessionId: SESSION });
			expect((await request(`bEaReR ${accessToken}`)).status).toBe(200);
		});
	});

	describe("errors", () => {
		it.each([
			["no Authorization header", undefined],
			["another scheme", "Basic dXNlcjpwYXNz"],
			["no token", "Bearer "],
		])("is 401 for %s", async (_case, authorization) => {
			const res = await request(authorization);
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual({ code: "unauthorized" });
		});

		it.each([
			["not a JWS", "Bearer not-a-jwt"],
			["a JWS that is not one of ours", "Bearer e30.e30.e30"],
			["an unsigned JWS", "Bearer e30.e30."],
		])("is 401 invalid_token for a token that is %s", async (_case, authorization) => {
			const res = await request(authorization);
			expect(await res.json()).toEqual({ code: "invalid_token" });
		});

		it("is 503 when no signing secret is configured", async () => {
			const { accessToken } = await issueAccessToken(env, { userId: 1, sessionId: SESSION });
			const res = await request(`Bearer ${accessToken}`, { JWT_SECRET: "" });
			expect(res.status).toBe(503);
		});
	});

	describe("security", () => {
		it.each([
			["a sub that is not a user id", { sub: "admin" }],
			["a sub of 0", { sub: "0" }],
			["no exp", { exp: undefined }],
			["no session", { sid: undefined }],
		])("is 401 for a correctly signed token with %s", async (_case, override) => {
			const now = Math.floor(Date.now() / 1000);
			const claims = {
				sub: "1",
				sid: SESSION,
				iat: now,
				exp: now + 60,
				iss: "gateway",
				aud: "api",
				...override,
			};
			const token = await sign(claims, env.JWT_SECRET, "HS256");
			expect((await request(`Bearer ${token}`)).status).toBe(401);
		});
	});
});

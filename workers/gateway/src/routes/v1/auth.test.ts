import { env } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { INJECTIONS } from "#test/hostile";
import {
	api,
	appRequest,
	bearer,
	expectProblem,
	PASSWORD,
	postJson,
	signUp,
	type TokenPair,
	uniqueName,
} from "#test/requests";
import { claimsFor, hmacSigned, mintToken, nowSeconds, partsOf } from "#test/tokens";

const login = (username: string, password: string, ip = "192.0.2.1") =>
	postJson("/api/v1/auth/login", { username, password }, { "CF-Connecting-IP": ip });

const me = (token: string, bindings?: Env) =>
	bindings
		? appRequest("/api/v1/users/me", { headers: bearer(token) }, bindings)
		: api("/api/v1/users/me", { headers: bearer(token) });

describe("POST /api/v1/auth/login", () => {
	describe("happy", () => {
		it("issues a 15-minute HS256 bearer token and a 30-day refresh token for a new session", async () => {
			const { user } = await signUp();
			const res = await login(user.username, PASSWORD);
			expect(res.status).toBe(200);
			const body = (await res.json()) as TokenPair;
			expect(body).toEqual({
				accessToken: expect.any(String),
				tokenType: "Bearer",
				expiresIn: 900,
				refreshToken: expect.stringMatching(new RegExp(`^${user.id}\\.[A-Za-z0-9_-]{43}$`)),
				refreshExpiresIn: expect.any(Number),
			});
			// 30 days, give or take the time the request took.
			expect(body.refreshExpiresIn).toBeCloseTo(30 * 24 * 3600, -1);
			const { header, payload } = partsOf(body.accessToken);
			expect(header).toEqual({
				alg: "HS256",
				typ: "JWT",
				kid: expect.stringMatching(/^[0-9a-f]{16}$/),
			});
			expect(payload).toEqual({
				sub: String(user.id),
				iat: expect.any(Number),
				exp: payload.iat + 900,
				iss: "gateway",
				aud: "api",
				sid: expect.stringMatching(/^[0-9a-f]{32}$/),
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
			expect(wrong).toMatchObject({
				type: "/problems/invalid_credentials",
				detail: "Invalid username or password",
			});
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

		it("refuses forged and altered tokens", async () => {
			const { user, token } = await signUp();
			const claims = partsOf(token).payload;
			const now = nowSeconds();
			const rsa = (await crypto.subtle.generateKey(
				{
					name: "RSASSA-PKCS1-v1_5",
					modulusLength: 2048,
					publicExponent: new Uint8Array([1, 0, 1]),
					hash: "SHA-256",
				},
				true,
				["sign", "verify"],
			)) as CryptoKeyPair;
			const unsigned = (header: object) =>
				`${btoa(JSON.stringify(header))}.${btoa(JSON.stringify(claims))}.`.replace(/=/g, "");
			const forged = {
				"a lifetime over 15 minutes": await mintToken({ ...claims, iat: now, exp: now + 3600 }),
				"issued in the future": await mintToken({ ...claims, iat: now + 600, exp: now + 1200 }),
				"no expiry": await mintToken({ ...claims, exp: undefined }),
				"HS512 instead of HS256": await mintToken(claims, { alg: "HS512" }),
				"another secret": await mintToken(claims, {
					secret: "another-secret-that-is-long-enough-000",
				}),
				"another issuer": await mintToken({ ...claims, iss: "someone-else" }),
				"another audience": await mintToken({ ...claims, aud: "another-api" }),
				"another user's id": await mintToken({ ...claims, sub: String(user.id + 1000) }),
				"no session": await mintToken({ ...claims, sid: undefined }),
				"a session that is not one": await mintToken({ ...claims, sid: "0".repeat(32) }),
				"a malformed session": await mintToken({ ...claims, sid: "' OR '1'='1" }),
				"alg none": unsigned({ alg: "none", typ: "JWT" }),
				"RS256, signed with an RSA key": await sign(claims, rsa.privateKey, "RS256"),
				"RS256 in the header, HMAC signature": `${btoa(JSON.stringify({ ...partsOf(token).header, alg: "RS256" })).replace(/=/g, "")}.${token.split(".").slice(1).join(".")}`,
				"a tampered payload": `${token.split(".")[0]}.${btoa(JSON.stringify({ ...claims, sub: "1" })).replace(/=/g, "")}.${token.split(".")[2]}`,
				"an unknown kid": `${btoa(JSON.stringify({ ...partsOf(token).header, kid: "0000000000000000" })).replace(/=/g, "")}.${token.split(".").slice(1).join(".")}`,
				"HS256 with the RSA public key as its HMAC secret": await hmacSigned(
					partsOf(token).header,
					claims,
					new Uint8Array((await crypto.subtle.exportKey("spki", rsa.publicKey)) as ArrayBuffer),
				),
				"its own key in the header (jwk)": await hmacSigned(
					{ ...partsOf(token).header, jwk: { kty: "oct", k: "YXR0YWNrZXIta2V5" } },
					claims,
					"attacker-key",
				),
				"SQL and path injection in the kid": await hmacSigned(
					{ alg: "HS256", typ: "JWT", kid: "../../../dev/null' OR '1'='1" },
					claims,
					"attacker-key",
				),
			};
			// The genuine article works, so the failures below are the forgeries' fault.
			expect((await me(await mintToken(claims))).status).toBe(200);
			for (const [name, bad] of Object.entries(forged)) {
				const res = await me(bad);
				expect(res.status, name).toBe(401);
				expect(res.headers.get("www-authenticate"), name).toBe(
					'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
				);
				expect(await expectProblem(res, 401), name).toMatchObject({
					type: "/problems/invalid_token",
				});
			}
		});

		it("tells an expired genuine token from an invalid one, and a missing token from both", async () => {
			const { token } = await signUp();
			const claims = partsOf(token).payload;
			const now = nowSeconds();
			const expired = await me(await mintToken({ ...claims, iat: now - 1000, exp: now - 100 }));
			expect(expired.headers.get("www-authenticate")).toBe(
				'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
			);
			expect(await expectProblem(expired, 401)).toMatchObject({ type: "/problems/token_expired" });
			// Expired and forged: invalid, not expired, so a forger learns nothing.
			const forgedExpired = await mintToken(
				{ ...claims, iat: now - 1000, exp: now - 100 },
				{ secret: "another-secret-that-is-long-enough-000" },
			);
			expect(await expectProblem(await me(forgedExpired), 401)).toMatchObject({
				type: "/problems/invalid_token",
			});
			const missing = await api("/api/v1/users/me");
			expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="api"');
			expect(await expectProblem(missing, 401)).toMatchObject({ type: "/problems/unauthorized" });
		});

		it("never logs anyone in through SQL injection in the username or password", async () => {
			const { user } = await signUp();
			const attempts: [string, string][] = [
				[`${user.username}'--`, "anything"],
				[`${user.username}' OR '1'='1`, "anything"],
				["' OR '1'='1", "' OR '1'='1"],
				[user.username, "' OR '1'='1"],
				[user.username, `${PASSWORD}' OR '1'='1`],
				["admin'--", INJECTIONS.join("")],
			];
			for (const [n, [username, password]] of attempts.entries()) {
				const res = await login(username, password, `198.51.100.${100 + n}`);
				expect((await expectProblem(res, 401)).detail, username).toBe(
					"Invalid username or password",
				);
			}
		});

		it("refuses a genuine token of a session that has ended, on every route that takes one", async () => {
			const { token, headers } = await signUp();
			expect((await me(token)).status).toBe(200);
			const ended = await api("/api/v1/users/me/sessions", { method: "DELETE", headers });
			expect(ended.status).toBe(204);
			for (const path of ["/api/v1/users/me", "/api/v1/orders", "/api/v1/users/me/notifications"]) {
				const res = await api(path, { headers: bearer(token) });
				expect(await expectProblem(res, 401), path).toMatchObject({
					type: "/problems/invalid_token",
				});
			}
		});
	});
});

describe("rotating the signing key", () => {
	const newSecret = "the-next-signing-secret-".padEnd(48, "n");
	const rotated = (retiredAt: Date): Env =>
		Object.assign({}, env, {
			JWT_SECRET: newSecret,
			JWT_PREVIOUS_SECRET: env.JWT_SECRET,
			JWT_PREVIOUS_SECRET_RETIRED_AT: retiredAt.toISOString(),
		});

	describe("happy", () => {
		it("keeps tokens of the previous key valid for one token lifetime, and signs with the new one", async () => {
			const { user, token } = await signUp();
			const bindings = rotated(new Date());
			expect((await me(token, bindings)).status).toBe(200);

			const login = await appRequest(
				"/api/v1/auth/login",
				{
					method: "POST",
					headers: { "Content-Type": "application/json" },
					body: JSON.stringify({ username: user.username, password: PASSWORD }),
				},
				bindings,
			);
			const { accessToken } = (await login.json()) as { accessToken: string };
			expect(partsOf(accessToken).header.kid).not.toBe(partsOf(token).header.kid);
			expect((await me(accessToken, bindings)).status).toBe(200);
		});
	});

	describe("security", () => {
		it("refuses the previous key's tokens once its grace has passed", async () => {
			const { token } = await signUp();
			const sixteenMinutesAgo = new Date(Date.now() - 16 * 60_000);
			await expectProblem(await me(token, rotated(sixteenMinutesAgo)), 401);
		});

		it("refuses tokens the previous key signed after it was retired", async () => {
			const { user, token } = await signUp();
			const retiredAt = new Date(Date.now() - 60_000);
			const minted = await mintToken(claimsFor(user.id, partsOf(token).payload.sid));
			await expectProblem(await me(minted, rotated(retiredAt)), 401);
		});

		it("refuses the previous key when its retirement time is missing or unreadable", async () => {
			const { token } = await signUp();
			const bindings = Object.assign({}, env, {
				JWT_SECRET: newSecret,
				JWT_PREVIOUS_SECRET: env.JWT_SECRET,
				JWT_PREVIOUS_SECRET_RETIRED_AT: "yesterday",
			});
			await expectProblem(await me(token, bindings), 401);
		});
	});
});

describe("the login rate limit", () => {
	describe("security", () => {
		it("answers the sixth login for one username from one IP within a minute with a 429", async () => {
			const username = uniqueName("guess");
			for (let n = 0; n < 5; n++) {
				await expectProblem(await login(username, `wrong-${n}`, "198.51.100.7"), 401);
			}
			const limited = await login(username, "wrong-6", "198.51.100.7");
			expect(limited.headers.get("retry-after")).toBe("60");
			expect(await expectProblem(limited, 429)).toMatchObject({ type: "/problems/rate_limited" });

			// The same name in another case is the same username.
			await expectProblem(await login(username.toUpperCase(), "wrong", "198.51.100.7"), 429);
			// Another username from that IP, and that username from another IP, are unaffected.
			await expectProblem(await login(uniqueName("other"), "wrong", "198.51.100.7"), 401);
			await expectProblem(await login(username, "wrong", "198.51.100.8"), 401);
		});

		it("counts right passwords too, so guessing cannot reset it", async () => {
			const { user } = await signUp();
			for (let n = 0; n < 5; n++) {
				expect((await login(user.username, PASSWORD, "198.51.100.9")).status).toBe(200);
			}
			await expectProblem(await login(user.username, PASSWORD, "198.51.100.9"), 429);
		});
	});
});

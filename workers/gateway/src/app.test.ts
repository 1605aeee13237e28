import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { INVALID_UTF8, nestedArrays, withBytes } from "#test/hostile";
import {
	api,
	appRequest,
	bearer,
	envWithBroken,
	expectProblem,
	PASSWORD,
	postJson,
	signUp,
} from "#test/requests";
import { countInAllShards } from "#test/users-shards";
import { createApp } from "./app";

const countUsers = () => countInAllShards("SELECT count(*) AS n FROM users");

describe("every response", () => {
	describe("happy", () => {
		it("carries a generated x-request-id and the secure headers", async () => {
			const res = await api("/validate_user/1");
			expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("strict-transport-security")).toContain("max-age=");
		});

		it("reads JSON bodies as UTF-8: text in any script arrives as it was sent", async () => {
			const { headers } = await signUp();
			const sku = "café ☕ 日本語 𝄞";
			const created = await postJson("/api/v1/orders", { items: [{ sku, quantity: 1 }] }, headers);
			expect(created.status).toBe(201);
			const orders = await api("/api/v1/orders", { headers });
			expect(await orders.json()).toMatchObject({ orders: [{ items: [{ sku, quantity: 1 }] }] });
		});

		it("keeps a well-formed incoming request id", async () => {
			const res = await api("/validate_user/1", { headers: { "x-request-id": "abc-123" } });
			expect(res.headers.get("x-request-id")).toBe("abc-123");
		});
	});

	describe("errors", () => {
		it("is a problem document for an unknown route", async () => {
			const res = await api("/nope", { headers: { "x-request-id": "r-1" } });
			expect(res.status).toBe(404);
			expect(res.headers.get("content-type")).toBe("application/problem+json");
			expect(await res.json()).toEqual({
				type: "/problems/not_found",
				title: "Not found",
				status: 404,
				detail: "No route for GET /nope",
				requestId: "r-1",
			});
		});

		it("is a 413 problem for a body over 16 KiB", async () => {
			const res = await postJson("/register", {
				username: "x".repeat(17 * 1024),
				password: "pass123",
			});
			expect(await expectProblem(res, 413)).toMatchObject({ type: "/problems/payload_too_large" });
		});

		it("is a 400 for a JSON body that is not UTF-8, in each route's own format, storing nothing", async () => {
			const { headers } = await signUp();
			const usersBefore = await countUsers();
			const send = (path: string, json: string, bytes: readonly number[]) =>
				api(path, {
					method: "POST",
					headers: { ...headers, "Content-Type": "application/json" },
					body: withBytes(json, bytes),
				});
			for (const bytes of INVALID_UTF8) {
				const register = await send(
					"/register",
					'{"username":"ab\uFFFD","password":"pass123"}',
					bytes,
				);
				expect(register.status).toBe(400);
				expect(await register.json()).toEqual({
					message: "Bad Request: Missing username or password",
				});
				const order = await send("/create_order", '{"user_id":1,"items":["\uFFFD"]}', bytes);
				expect(order.status).toBe(400);
				for (const [path, json] of [
					["/api/v1/users", '{"username":"abc","password":"pass\uFFFDword"}'],
					["/api/v1/auth/login", '{"username":"ab\uFFFD","password":"pass123"}'],
					["/api/v1/orders", '{"items":[{"sku":"\uFFFD","quantity":1}]}'],
				] as const) {
					const problem = await expectProblem(await send(path, json, bytes), 400);
					expect(problem.type, path).toBe("/problems/malformed_request");
				}
			}
			expect(await countUsers()).toBe(usersBefore);
			const orders = await api("/api/v1/orders", { headers });
			expect(await orders.json()).toEqual({ orders: [], nextCursor: null });
		});

		it("is a 400 for deeply nested JSON on every route that reads a body, in the route's own format", async () => {
			const { headers } = await signUp();
			const deep = nestedArrays(5000);
			const deepObject = `${'{"a":'.repeat(2500)}1${"}".repeat(2500)}`;
			for (const [path, body] of [
				["/register", `{"username":${deep},"password":"pass123"}`],
				["/create_order", `{"user_id":1,"items":${deep}}`],
				["/api/v1/users", `{"username":"abc","password":${deepObject}}`],
				["/api/v1/auth/login", `{"username":${deep},"password":"x"}`],
				["/api/v1/orders", `{"items":${deep}}`],
				["/api/v1/orders", nestedArrays(8000)],
			] as const) {
				const res = await api(path, {
					method: "POST",
					headers: { ...headers, "Content-Type": "application/json" },
					body,
				});
				expect(res.status, path).toBe(400);
				if (path.startsWith("/api/")) await expectProblem(res, 400);
				else
					expect(await res.json()).toEqual({
						[path === "/register" ? "message" : "error"]: expect.stringMatching(/^Bad Request/),
					});
			}
		});

		it("is a 413 problem for a body over 16 KiB on a route's path however it is spelled (percent-encoded letters)", async () => {
			const { headers } = await signUp();
			const body = JSON.stringify({ items: [{ sku: "x".repeat(17 * 1024), quantity: 1 }] });
			for (const path of ["/api/v1/%6frders", "/%61pi/v1/orders"]) {
				const res = await api(path, {
					method: "POST",
					headers: { ...headers, "Content-Type": "application/json" },
					body,
				});
				await expectProblem(res, 413);
			}
		});

		it("is a 413 problem for a streamed body over 16 KiB, which does not announce its length", async () => {
			const { headers } = await signUp();
			const body = new ReadableStream({
				start(controller) {
					for (let n = 0; n < 17; n++) controller.enqueue(new Uint8Array(1024).fill(0x20));
					controller.close();
				},
			});
			const res = await api("/api/v1/orders", {
				method: "POST",
				headers: { ...headers, "Content-Type": "application/json" },
				body,
			});
			await expectProblem(res, 413);
		});

		it("reads no body where the route takes none: a body over 16 KiB gets the answer the route documents", async () => {
			const { headers } = await signUp();
			const body = "x".repeat(17 * 1024);
			const answers: [string, string, number][] = [
				// No such order: documented 404, not an undocumented 413.
				["POST", "/api/v1/orders/0b5f3c9e-6d0a-4c1e-9f3b-2a7d8e4c1b90/cancel", 404],
				["DELETE", "/api/v1/users/me/sessions/0123456789abcdef0123456789abcdef", 404],
				["DELETE", "/api/v1/users/me/sessions", 204],
				// Unlisted paths and methods are 404s, whatever comes with them.
				["POST", "/nope", 404],
				["PUT", "/health", 404],
			];
			for (const [method, path, status] of answers) {
				const res = await api(path, { method, headers, body });
				expect(res.status, `${method} ${path}`).toBe(status);
			}
		});

		it("is a 500 problem, logged once with the error, when the gateway itself fails", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const app = createApp();
			app.get("/boom", () => {
				throw new TypeError("boom");
			});
			// Not through appRequest: /boom is this test's route, so no document lists it.
			const res = await app.request("/boom", {}, env);
			const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
			log.mockRestore();

			expect(res.status).toBe(500);
			expect(await res.json()).toMatchObject({ type: "/problems/internal_error", status: 500 });
			expect(lines).toEqual([
				expect.objectContaining({ route: "/boom", status: 500, level: "error", error: "boom" }),
			]);
		});
	});

	describe("security", () => {
		it("replaces a malformed incoming request id", async () => {
			const res = await api("/validate_user/1", { headers: { "x-request-id": "bad id<script>" } });
			expect(res.headers.get("x-request-id")).not.toBe("bad id<script>");
		});

		it("is logged as one JSON line with ids, never a password or token", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const { token } = await signUp();
			await api("/api/v1/users/me", {
				headers: { ...bearer(token), traceparent: `00-${"c".repeat(32)}-${"d".repeat(16)}-01` },
			});
			const lines = log.mock.calls.map(([line]) => String(line));
			log.mockRestore();

			expect(lines.map((line) => JSON.parse(line))).toEqual([
				expect.objectContaining({ service: "gateway", route: "/api/v1/users", status: 201 }),
				expect.objectContaining({ route: "/api/v1/auth/login", status: 200 }),
				expect.objectContaining({
					route: "/api/v1/users/me",
					status: 200,
					traceId: "c".repeat(32),
					requestId: expect.any(String),
					durationMs: expect.any(Number),
				}),
			]);
			for (const line of lines) {
				expect(line).not.toContain(PASSWORD);
				expect(line).not.toContain(token);
				expect(line).not.toContain(token.split(".")[2]);
			}
		});
	});
});

describe("an internal worker that fails", () => {
	describe("errors", () => {
		it("gives 503 with Retry-After, not a 500", async () => {
			const res = await appRequest("/validate_user/1", {}, envWithBroken("USER_SERVICE", "throws"));
			const problem = await expectProblem(res, 503);
			expect(res.headers.get("retry-after")).toBe("5");
			expect(problem).toMatchObject({ detail: "The user service is unavailable" });
		});

		it("gives 503 within 5 seconds, not a hang, when it never answers", async () => {
			const started = Date.now();
			const login = await appRequest(
				"/api/v1/auth/login",
				{
					method: "POST",
					headers: { "Content-Type": "application/json" },
					body: JSON.stringify({ username: "someone", password: "whatever" }),
				},
				envWithBroken("USER_SERVICE", "hangs"),
			);
			await expectProblem(login, 503);
			expect(Date.now() - started).toBeLessThan(5_000);
		});
	});
});

describe("browser access (CORS)", () => {
	const preflight = (origin: string, bindings: Env) =>
		createApp().request(
			"/api/v1/orders",
			{
				method: "OPTIONS",
				headers: {
					Origin: origin,
					"Access-Control-Request-Method": "POST",
					"Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
				},
			},
			bindings,
		);
	const allowing = (origins: string): Env => Object.assign({}, env, { CORS_ORIGINS: origins });

	describe("happy", () => {
		it("answers a preflight from an allowed origin with the secure headers, and exposes the headers clients read", async () => {
			const bindings = allowing("https://shop.example, https://admin.example");
			const res = await preflight("https://admin.example", bindings);
			expect(res.status).toBe(204);
			expect(res.headers.get("access-control-allow-origin")).toBe("https://admin.example");
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
			expect(res.headers.get("x-request-id")).toBeTruthy();
			expect(res.headers.get("access-control-allow-headers")).toMatch(/idempotency-key/i);
			const get = await createApp().request(
				"/health",
				{ headers: { Origin: "https://shop.example" } },
				bindings,
			);
			expect(get.headers.get("access-control-allow-origin")).toBe("https://shop.example");
			expect(get.headers.get("access-control-expose-headers")).toMatch(/Location/);
			expect(get.headers.get("vary")).toMatch(/(^|, )Origin(,|$)/);
		});

		it("answers a client that sends no Origin without CORS headers, but varying by Origin for caches", async () => {
			const res = await createApp().request("/health", {}, allowing("https://shop.example"));
			expect(res.status).toBe(200);
			expect(res.headers.get("vary")).toMatch(/(^|, )Origin(,|$)/);
			expect(res.headers.get("x-request-id")).toBeTruthy();
			const cors = [...res.headers.keys()].filter((name) => name.startsWith("access-control-"));
			expect(cors).toEqual([]);
		});
	});

	describe("security", () => {
		it("allows no origin by default, and none that is not listed", async () => {
			for (const [origin, bindings] of [
				["https://shop.example", env],
				["https://evil.example", allowing("https://shop.example")],
				["https://shop.example.evil.example", allowing("https://shop.example")],
			] as const) {
				const res = await preflight(origin, bindings);
				expect(res.headers.get("access-control-allow-origin")).toBeNull();
			}
		});
	});
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "#test/call-context";
import { INJECTIONS } from "#test/hostile";
import { api, appRequest } from "#test/requests";
import { unwrap } from "#test/unwrap";
import { countInAllShards, firstInAnyShard } from "#test/users-shards";

// The tutorial's curl walkthrough, through the gateway with the real user and
// order workers behind it.
const post = (path: string, body: unknown, contentType = "application/json") =>
	api(path, {
		method: "POST",
		headers: { "Content-Type": contentType },
		body: typeof body === "string" ? body : JSON.stringify(body),
	});

const register = (username: string, password = "pass123") =>
	post("/register", { username, password });

async function userIdOf(username: string): Promise<number> {
	const row = await firstInAnyShard<{ id: number }>(
		"SELECT id FROM users WHERE username = ?",
		username,
	);
	if (!row) throw new Error(`no user ${username}`);
	return row.id;
}

describe("POST /register", () => {
	describe("happy", () => {
		it("creates a user: 201 with the tutorial's body", async () => {
			const res = await register("alice");
			expect(res.status).toBe(201);
			expect(await res.text()).toBe('{"message":"User created"}\n');
		});
	});

	describe("errors", () => {
		it("refuses a taken username, in any case: 409", async () => {
			await register("bob");
			for (const name of ["bob", "BOB"]) {
				const res = await register(name);
				expect(res.status).toBe(409);
				expect(await res.text()).toBe('{"message":"Username already exists"}\n');
			}
		});

		it.each([
			["a missing password", { username: "carol" }],
			["a missing username", { password: "pass123" }],
			["an empty password", { username: "carol", password: "" }],
			["a non-string username", { username: 7, password: "pass123" }],
			["a JSON array", ["carol", "pass123"]],
			["a blank username", { username: "   ", password: "pass123" }],
			["a username with a control character", { username: "car\u0000ol", password: "pass123" }],
			[
				"a username with a right-to-left override",
				{ username: "\u202Elorac", password: "pass123" },
			],
			["malformed JSON", "{"],
		])("answers %s with the tutorial's 400", async (_case, body) => {
			const res = await post("/register", body);
			expect(res.status).toBe(400);
			expect(await res.text()).toBe('{"message":"Bad Request: Missing username or password"}\n');
		});

		it("answers a body that is not JSON with the tutorial's 400", async () => {
			const res = await post("/register", "username=carol&password=pass123", "text/plain");
			expect(res.status).toBe(400);
		});
	});

	describe("security", () => {
		it("stores a salted PBKDF2 hash, never the password", async () => {
			await register("dave", "s3cret-pass");
			const row = await firstInAnyShard<Record<string, unknown>>(
				"SELECT * FROM users WHERE username = 'dave'",
			);
			expect(JSON.stringify(row)).not.toContain("s3cret-pass");
			expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
		});

		it("stores SQL and path injection in a username or password as text, like any other", async () => {
			const before = await countInAllShards("SELECT count(*) AS n FROM users");
			for (const text of INJECTIONS) {
				expect((await register(`u ${text}`, text)).status).toBe(201);
				const row = await firstInAnyShard<{ username: string; password_hash: string }>(
					"SELECT username, password_hash FROM users WHERE username = ?",
					`u ${text}`,
				);
				expect(row?.username).toBe(`u ${text}`);
				expect(row?.password_hash).not.toContain(text);
			}
			const after = await countInAllShards("SELECT count(*) AS n FROM users");
			expect(after).toBe(before + INJECTIONS.length);
		});
	});
});

describe("GET /validate_user/<id>", () => {
	describe("happy", () => {
		it("is 200 for an existing user", async () => {
			await register("erin");
			const res = await api(`/validate_user/${await userIdOf("erin")}`);
			expect(res.status).toBe(200);
			expect(await res.text()).toBe('{"message":"User is valid"}\n');
		});
	});

	describe("errors", () => {
		it.each(["999", "0", "99999999999999999999", "abc", "-1"])("is 404 for %s", async (id) => {
			const res = await api(`/validate_user/${id}`);
			expect(res.status).toBe(404);
			expect(await res.text()).toBe('{"error":"User not found"}\n');
		});
	});

	describe("security", () => {
		it("is 404 for SQL and path injection in the id, though user 1 exists", async () => {
			await register("grace");
			expect((await api("/validate_user/1")).status).toBe(200);
			for (const id of [...INJECTIONS, "1 OR 1=1", "1' OR '1'='1", "1;", "1/../1"]) {
				const res = await api(`/validate_user/${encodeURIComponent(id)}`);
				expect(res.status, id).toBe(404);
				expect(await res.text()).toBe('{"error":"User not found"}\n');
			}
		});
	});
});

describe("POST /create_order", () => {
	describe("happy", () => {
		it("creates an order in the user's Durable Object as {sku, quantity: 1}", async () => {
			await register("frank");
			const userId = await userIdOf("frank");
			const res = await post("/create_order", { user_id: userId, items: ["item1", "item2"] });
			expect(res.status).toBe(201);
			expect(await res.text()).toBe('{"message":"Order created"}\n');

			const page = unwrap(
				await env.ORDER_SERVICE.listOrders(testCall(), { userId, sessionId: null }, { limit: 10 }),
			);
			expect(page.orders).toEqual([
				expect.objectContaining({
					userId,
					status: "created",
					items: [
						{ sku: "item1", quantity: 1 },
						{ sku: "item2", quantity: 1 },
					],
				}),
			]);
		});
	});

	describe("errors", () => {
		it.each([999, 0, -1])("is 401 for unknown user %s", async (userId) => {
			const res = await post("/create_order", { user_id: userId, items: ["item1"] });
			expect(res.status).toBe(401);
			expect(await res.text()).toBe('{"error":"Invalid user"}\n');
		});

		it.each([
			["no user_id", { items: ["item1"] }],
			["no items", { user_id: 1 }],
			["a string user_id", { user_id: "1", items: ["item1"] }],
			["a fractional user_id", { user_id: 1.5, items: ["item1"] }],
			["a user_id beyond 2^53", { user_id: 2 ** 60, items: ["item1"] }],
			["items that are not strings", { user_id: 1, items: [1] }],
			["an empty items list", { user_id: 1, items: [] }],
			["an empty item name", { user_id: 1, items: [""] }],
			["an item name with a right-to-left override", { user_id: 1, items: ["a\u202Eb"] }],
			["101 items", { user_id: 1, items: Array.from({ length: 101 }, () => "x") }],
			["malformed JSON", "{"],
		])("is 400, not 500, for %s", async (_case, body) => {
			const res = await post("/create_order", body);
			expect(res.status).toBe(400);
			expect(await res.json()).toEqual({ error: expect.stringMatching(/^Bad Request/) });
		});

		it("is 400 for a body that is not JSON", async () => {
			const res = await post("/create_order", "user_id=1", "application/x-www-form-urlencoded");
			expect(res.status).toBe(400);
		});
	});

	describe("security", () => {
		it("stores SQL and path injection in item names as text", async () => {
			await register("heidi");
			const userId = await userIdOf("heidi");
			const res = await post("/create_order", { user_id: userId, items: INJECTIONS });
			expect(res.status).toBe(201);
			const page = unwrap(
				await env.ORDER_SERVICE.listOrders(testCall(), { userId, sessionId: null }, { limit: 10 }),
			);
			expect(page.orders.map((order) => order.items.map((item) => item.sku))).toEqual([
				[...INJECTIONS],
			]);
		});
	});
});

describe("SEED_ROUTES", () => {
	describe("security", () => {
		it("hides the tutorial routes unless it is on", async () => {
			const off = { ...env, SEED_ROUTES: "off" as const };
			for (const [path, init] of [
				["/register", { method: "POST", body: '{"username":"x","password":"y"}' }],
				["/validate_user/1", {}],
				["/create_order", { method: "POST", body: '{"user_id":1,"items":["a"]}' }],
			] as const) {
				const res = await appRequest(
					path,
					{ ...init, headers: { "Content-Type": "application/json" } },
					off,
				);
				expect(res.status).toBe(404);
				expect(res.headers.get("content-type")).toBe("application/problem+json");
			}
		});

		it("answers a body over 16 KiB to a hidden route as to any unlisted path: 404, not 413", async () => {
			const off = { ...env, SEED_ROUTES: "off" as const };
			for (const path of ["/register", "/create_order"]) {
				const res = await appRequest(
					path,
					{
						method: "POST",
						headers: { "Content-Type": "application/json" },
						body: `{"username":"${"x".repeat(17 * 1024)}"}`,
					},
					off,
				);
				expect(res.status, path).toBe(404);
			}
		});
	});
});

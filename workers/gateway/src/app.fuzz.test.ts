import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { PRINTABLE } from "#shared/contracts/text";
import { disposed } from "#shared/kit/dispose";
import { testCall } from "#test/call-context";
import { INJECTIONS, INVALID_UTF8, nestedArrays, withBytes } from "#test/hostile";
import { api, postJson, signUp } from "#test/requests";
import { unwrap } from "#test/unwrap";
import { rowsInAllShards } from "#test/users-shards";

/**
 * Thousands of generated malformed and hostile requests against every route
 * of the gateway, with the real user and order workers behind it. Whatever
 * arrives, the gateway answers without a 5xx, in the format the route
 * promises, and stores nothing for a request it refused. Seeded, so a
 * failure reproduces; fast-check prints the seed and path to replay it.
 */

const SEED = 8;
const BATCHES = 500;
// Sent at once, as concurrent clients would.
const BATCH_SIZE = 8;

const ROUTES = [
	"POST /register",
	"GET /validate_user/{id}",
	"POST /create_order",
	"POST /api/v1/users",
	"POST /api/v1/auth/login",
	"GET /api/v1/users/me",
	"POST /api/v1/orders",
	"GET /api/v1/orders",
	"GET /api/v1/orders/{id}",
	"POST /api/v1/orders/{id}/cancel",
	"GET /api/v1/users/me/notifications",
	"GET /health",
	"GET /openapi.json",
	"unknown",
] as const;
type Route = (typeof ROUTES)[number];

interface Hostile {
	route: Route;
	method: string;
	path: string;
	headers: [string, string][];
	body?: string | Uint8Array;
}

/** What the fixtures give the generators: real tokens, ids and cursors to misuse. */
interface Known {
	aliceToken: string;
	bobToken: string;
	aliceOrderIds: string[];
	aliceCursor: string;
}

// The tutorial's own error bodies (routes/tutorial.ts), by route and status.
const TUTORIAL_ERRORS: { method: string; path: RegExp; bodies: Record<number, unknown> }[] = [
	{
		method: "POST",
		path: /^\/register$/,
		bodies: {
			400: { message: "Bad Request: Missing username or password" },
			409: { message: "Username already exists" },
		},
	},
	{ method: "GET", path: /^\/validate_user\/[^/]+$/, bodies: { 404: { error: "User not found" } } },
	{
		method: "POST",
		path: /^\/create_order$/,
		bodies: {
			400: {
				error: "Bad Request: user_id must be an integer and items a list of 1-100 item names",
			},
			401: { error: "Invalid user" },
		},
	},
];

const FORMAT_CHARACTERS = ["\u202E", "\u200B", "\u200D", "\uFEFF", "\u2028", "\u0000", "\u0007"];

/** Text an attacker might put in any field. */
const hostileText = fc.oneof(
	fc.constantFrom(...INJECTIONS),
	fc.constantFrom(...FORMAT_CHARACTERS).map((c) => `name${c}x`),
	fc.constantFrom("", " ", "\t", "\uD800", "a\u0301", "𝄞", "ＡＢＣ", "null", "__proto__"),
	// Any code point, lone surrogates and controls included.
	fc.string({ unit: "binary", maxLength: 40 }),
	fc.string({ unit: "grapheme-ascii", minLength: 200, maxLength: 1100 }),
);

const hostileNumber = fc.oneof(
	fc.integer(),
	fc.double(),
	fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, Number.MIN_VALUE),
);

/** A value of the wrong type, the wrong size or the wrong shape. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
	hostileText,
	hostileNumber,
	fc.boolean(),
	fc.constant(null),
	fc.jsonValue({ maxDepth: 3 }),
	fc.array(hostileText, { maxLength: 3 }),
	fc.constant(Array.from({ length: 150 }, () => "x")),
);

const EXTRA_FIELDS = [
	"userId",
	"user_id",
	"status",
	"id",
	"admin",
	"role",
	"__proto__",
	"constructor",
];

/**
 * A body near the route's: each field the route reads is valid, hostile or
 * missing, and sometimes an unknown field rides along.
 */
function nearly(fields: Record<string, fc.Arbitrary<unknown>>) {
	const model = Object.fromEntries(
		Object.entries(fields).map(([name, valid]) => [
			name,
			fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileValue }),
		]),
	);
	const extra = fc.oneof(
		{ weight: 3, arbitrary: fc.constant(null) },
		{ weight: 1, arbitrary: fc.tuple(fc.constantFrom(...EXTRA_FIELDS), hostileValue) },
	);
	return fc
		.tuple(fc.record(model, { requiredKeys: [] }), extra)
		.map(([body, field]) => (field ? { ...body, [field[0]]: field[1] } : body));
}

const validName = fc.stringMatching(/^[A-Za-z0-9_.-]{3,32}$/);
const validPassword = fc.string({ minLength: 8, maxLength: 40 });
const validItem = fc.record({
	sku: fc.string({ minLength: 1, maxLength: 64 }),
	quantity: fc.nat(1000),
});

const BODIES: Partial<Record<Route, fc.Arbitrary<unknown>>> = {
	"POST /register": nearly({ username: validName, password: validPassword }),
	"POST /create_order": nearly({
		user_id: fc.integer({ min: 1, max: 40 }),
		items: fc.array(fc.string({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 3 }),
	}),
	"POST /api/v1/users": nearly({
		username: validName,
		password: validPassword,
		email: fc.emailAddress(),
	}),
	"POST /api/v1/auth/login": nearly({ username: validName, password: validPassword }),
	"POST /api/v1/orders": nearly({ items: fc.array(validItem, { minLength: 1, maxLength: 3 }) }),
};

/** Bodies no JSON parser should accept, or that test the limits of one that does. */
const RAW_BODIES = [
	"",
	"{",
	'{"username":',
	"null",
	"[]",
	'"text"',
	"1e400",
	'{"items":[{"sku":"a","quantity":1e400}]}',
	'{"user_id":1e400,"items":["a"]}',
	nestedArrays(5000),
	`{"items":${nestedArrays(5000)}}`,
	`{"username":${nestedArrays(3000)},"password":"x"}`,
	'{"username":"a","username":"b","password":"pass1234"}',
	'\uFEFF{"username":"bom_user","password":"pass1234"}',
	`{"items":[{"sku":"${"s".repeat(17_000)}","quantity":1}]}`,
];

/** `json` with a "\uFFFD" at the start of its first string value (or of the text, if it has none). */
function inFirstString(json: string): string {
	const at = json.indexOf('":"') + 3;
	return at < 3 ? `\uFFFD${json}` : `${json.slice(0, at)}\uFFFD${json.slice(at)}`;
}

/** The body as sent: JSON of a near-valid value, raw text, or bytes that are not UTF-8. */
function bodyFor(route: Route): fc.Arbitrary<string | Uint8Array | undefined> {
	const near = BODIES[route] ?? hostileValue;
	return fc.oneof(
		{ weight: 6, arbitrary: near.map((value) => JSON.stringify(value)) },
		{ weight: 2, arbitrary: fc.constantFrom(...RAW_BODIES) },
		{
			weight: 1,
			arbitrary: fc
				.tuple(near, fc.constantFrom(...INVALID_UTF8))
				.map(([value, bytes]) => withBytes(inFirstString(JSON.stringify(value)), bytes)),
		},
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
	);
}

const CONTENT_TYPES = [
	"application/json",
	"application/json; charset=utf-8",
	"APPLICATION/JSON",
	"application/json; charset=utf-16",
	"application/vnd.api+json",
	"application/problem+json",
	"application/jsonx",
	"text/plain",
	"text/json",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=x",
	"",
];

/** Header values a client can send: visible ASCII, spaces and tabs (fetch refuses CR, LF and NUL). */
const headerText = fc.oneof(
	fc.constantFrom(...INJECTIONS, "<script>", "r-1", "a".repeat(300), ""),
	fc.string({
		unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
	}),
	fc.string({ unit: fc.constantFrom("\t", " ", "-", "=", ",", ";", "a", "0") }),
);

/** Mostly a real token (alice's or bob's), else one that is malformed, forged or doubled. */
function authorizationFor(known: Known) {
	const alice = known.aliceToken;
	const [header, payload] = alice.split(".");
	return fc.oneof(
		{ weight: 3, arbitrary: fc.constantFrom(`Bearer ${alice}`, `Bearer ${known.bobToken}`) },
		{
			weight: 1,
			arbitrary: fc.constantFrom(
				`bearer ${alice}`,
				"Bearer",
				"Bearer ",
				"Bearer a.b.c",
				"Basic YWxpY2U6cGFzc3dvcmQ=",
				`Bearer ${alice}x`,
				`Bearer ${header}.${payload}.`,
				`Bearer ${header}.${payload}`,
				`Bearer ${alice}, Bearer ${known.bobToken}`,
				`Bearer  ${alice}`,
				`Bearer ${"A".repeat(10_000)}.${"B".repeat(10)}.${"C".repeat(10)}`,
				"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
			),
		},
	);
}

/** Headers that lie, repeat, overflow or spoof. */
function headersFor(known: Known): fc.Arbitrary<[string, string][]> {
	const hex = (length: number) =>
		fc.string({
			unit: fc.constantFrom(..."0123456789abcdef"),
			minLength: length,
			maxLength: length,
		});
	const traceparent = fc.oneof(
		fc.tuple(hex(32), hex(16)).map(([trace, span]) => `00-${trace}-${span}-01`),
		fc.constantFrom(
			`00-${"0".repeat(32)}-${"0".repeat(16)}-01`,
			`00-${"A".repeat(32)}-${"B".repeat(16)}-01`,
			`ff-${"a".repeat(32)}-${"b".repeat(16)}-01`,
			"00-zz-zz-zz",
			`00-${"a".repeat(32)}-${"b".repeat(16)}-01-extra`,
		),
		headerText,
	);
	const ip = fc.oneof(
		fc.ipV4(),
		fc.ipV6(),
		fc.constantFrom("127.0.0.1, 10.0.0.1", "unknown", "", "' OR 1=1 --", "::ffff:127.0.0.1"),
	);
	const abuse = fc.subarray(
		[
			["content-type", fc.constantFrom(...CONTENT_TYPES)],
			["authorization", authorizationFor(known)],
			["x-request-id", headerText],
			["x-request-id", headerText],
			["traceparent", traceparent],
			["cf-connecting-ip", ip],
			["x-forwarded-for", ip],
			["true-client-ip", ip],
			["idempotency-key", fc.oneof(headerText, fc.constant("k".repeat(256)))],
			["origin", fc.constantFrom("https://evil.example", "null")],
			["x-huge", fc.nat({ max: 32 * 1024 }).map((n) => "h".repeat(n))],
		] as const,
		{ maxLength: 3 },
	);
	const header =
		(name: string) =>
		(value: string): [string, string] => [name, value];
	return fc
		.tuple(
			// Each client its own address, so the login limit (per IP and
			// username) does not turn the run into a run of 429s.
			fc.ipV4().map(header("cf-connecting-ip")),
			fc.option(
				fc
					.oneof(
						{ weight: 3, arbitrary: fc.constant("application/json") },
						{ weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
					)
					.map(header("content-type")),
				{ freq: 5 },
			),
			fc.option(authorizationFor(known).map(header("authorization")), { freq: 5 }),
			abuse.chain((chosen) => fc.tuple(...chosen.map(([name, value]) => value.map(header(name))))),
		)
		.map(([ip, contentType, authorization, extra]) => [
			ip,
			...(contentType ? [contentType] : []),
			...(authorization ? [authorization] : []),
			...extra,
		]);
}

/** Ids and path segments that are not what the route expects, or belong to someone else. */
function idFor(known: Known) {
	return fc.oneof(
		fc.uuid(),
		fc.constantFrom(...known.aliceOrderIds),
		fc.constantFrom(...INJECTIONS).map(encodeURIComponent),
		fc.constantFrom(
			"..",
			"%2e%2e",
			"%2F",
			"%252F",
			"..%2F..%2Fusers",
			"%ZZ",
			"%E0%A4%A",
			"%00",
			"0",
			"-1",
			"1e3",
			"0x1",
			"%31",
			"00000001",
			"9".repeat(400),
			"%EF%BC%91",
		),
		fc.nat({ max: 8000 }).map((n) => "a".repeat(n)),
		fc.string({ unit: "binary", maxLength: 20 }).map(encodeURIComponent),
	);
}

function queryFor(known: Known) {
	const value = fc.oneof(
		fc.constantFrom(
			"1",
			"20",
			"100",
			"0",
			"101",
			"-1",
			"abc",
			"2.5",
			"1e2",
			"",
			"%00",
			"9".repeat(30),
		),
		fc.constant(known.aliceCursor),
		fc.base64String({ maxLength: 40 }),
		fc.constant(btoa("o:1 OR 1=1")),
		hostileText,
	);
	const encoded = fc
		.array(fc.tuple(fc.constantFrom("limit", "cursor", "limit[]", "offset", "__proto__"), value), {
			maxLength: 4,
		})
		.map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs)}` : ""));
	// As written, so the percent signs and separators reach the parser unescaped.
	const raw = fc.constantFrom(
		"?cursor=%ZZ",
		"?limit=%E0%A4%A",
		"?limit=1%00",
		"?&&limit==1",
		"?;limit=1",
	);
	return fc.oneof({ weight: 4, arbitrary: encoded }, { weight: 1, arbitrary: raw });
}

const UNKNOWN_PATHS = [
	"/",
	"/api",
	"/api/v1",
	"/api/v1/",
	"/api/v2/orders",
	"/API/V1/USERS/ME",
	"//api//v1//users",
	"/api/v1/users/",
	"/api/v1/users/1",
	"/api/v1/orders/a/b",
	"/api/v1/users/me/notifications/x",
	"/health/",
	"/openapi.json/x",
	"/docs",
	"/.env",
	"/wp-admin",
	"/validate_user",
	"/validate_user/1/2",
	"/register/",
	"/REGISTER",
	"/register;jsessionid=1",
	"/register%00",
	"/%2e%2e/%2e%2e/etc/passwd",
	"/api/v1/..%2Fregister",
	"/api/v1/orders/%2F..%2F",
];

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/** One hostile request: a route, usually with its own method, a hostile path, headers and body. */
function hostileRequest(known: Known): fc.Arbitrary<Hostile> {
	return fc.constantFrom(...ROUTES).chain((route) => {
		const [routeMethod = "GET", template = "/"] = route === "unknown" ? [] : route.split(" ");
		const path =
			route === "unknown"
				? fc.oneof(fc.constantFrom(...UNKNOWN_PATHS), fc.webPath())
				: fc
						.tuple(idFor(known), queryFor(known))
						.map(([id, query]) => template.replace(/\{id\}/, id) + query);
		return fc.record({
			route: fc.constant(route),
			method: fc.oneof(
				{ weight: 9, arbitrary: fc.constant(routeMethod) },
				fc.constantFrom(...METHODS),
			),
			path,
			headers: headersFor(known),
			body: bodyFor(route),
		});
	});
}

// The path as written, even `//`, which would be a host if it were read as a relative URL.
const urlOf = (path: string) => `http://localhost${path}`;

function send({ method, path, headers, body }: Hostile): Promise<Response> {
	const sent = new Headers();
	for (const [name, value] of headers) sent.append(name, value);
	return exports.default.fetch(urlOf(path), {
		method,
		headers: sent,
		...(method === "GET" || method === "HEAD" ? {} : { body }),
	});
}

/** The tutorial's error bodies for this method and path, if it is one of the tutorial's routes. */
function tutorialErrors(method: string, path: string): Record<number, unknown> | null {
	const { pathname } = new URL(urlOf(path));
	let decoded = pathname;
	try {
		decoded = decodeURI(pathname);
	} catch {}
	const route = TUTORIAL_ERRORS.find(
		(candidate) =>
			(candidate.method === method || (candidate.method === "GET" && method === "HEAD")) &&
			candidate.path.test(decoded),
	);
	return route?.bodies ?? null;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function isUtf8(body: Hostile["body"]): boolean {
	if (!(body instanceof Uint8Array)) return true;
	try {
		utf8.decode(body);
		return true;
	} catch {
		return false;
	}
}

/** Asserts what every answer to a hostile request must be. */
async function expectSafeAnswer(request: Hostile, res: Response, known: Known): Promise<void> {
	const what = `${request.method} ${request.path.slice(0, 200)}`;
	const text = await res.text();
	expect(res.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
	const requestId = res.headers.get("x-request-id");
	expect(requestId, what).toBeTruthy();
	expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
	expect(text, what).not.toContain("pbkdf2-sha256$");
	// Alice's orders reach only alice: not bob, whatever id or cursor he sends.
	if (res.ok && !request.headers.some(([, value]) => value.includes(known.aliceToken))) {
		for (const id of known.aliceOrderIds) expect(text, what).not.toContain(id);
	}
	// JSON is UTF-8: a body that is not is never taken in, however it is labelled.
	if (request.method === "POST" && BODIES[request.route] && !isUtf8(request.body)) {
		expect(res.status, `${what}: not UTF-8`).toBeGreaterThanOrEqual(400);
	}
	if (res.status < 400) return;

	const contentType = res.headers.get("content-type");
	const tutorial = tutorialErrors(request.method, request.path);
	const tutorialBody = tutorial?.[res.status];
	if (tutorialBody) {
		expect(contentType, what).toMatch(/^application\/json/);
		if (request.method !== "HEAD") expect(JSON.parse(text), what).toEqual(tutorialBody);
		return;
	}
	expect(contentType, `${what}: ${res.status} ${text.slice(0, 300)}`).toBe(
		"application/problem+json",
	);
	if (request.method === "HEAD") return;
	const problem = JSON.parse(text);
	expect(problem, what).toMatchObject({
		type: expect.stringMatching(/^\/problems\/[a-z_]+$/),
		title: expect.any(String),
		status: res.status,
		detail: expect.any(String),
		requestId,
	});
	if (res.status === 429 || res.status === 503) {
		expect(res.headers.get("retry-after"), what).toMatch(/^\d+$/);
	}
}

/** Every stored order, of every stored user, read straight from the order service. */
async function storedOrders() {
	const orders = [];
	for (const { id } of await rowsInAllShards<{ id: number }>("SELECT id FROM users")) {
		let cursor: string | undefined;
		do {
			const page = unwrap(
				disposed(
					await env.ORDER_SERVICE.listOrders(
						testCall(),
						{ userId: id, sessionId: null },
						{ limit: 100, ...(cursor ? { cursor } : {}) },
					),
				),
			);
			orders.push(...page.orders);
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
	}
	return orders;
}

const storedUsernames = () => rowsInAllShards<{ username: string }>("SELECT username FROM users");

describe("the gateway under generated hostile requests", () => {
	let known: Known;

	beforeAll(async () => {
		const alice = await signUp();
		const bob = await signUp();
		const aliceOrderIds = [];
		for (const sku of ["book-1", "book-2"]) {
			const placed = await postJson(
				"/api/v1/orders",
				{ items: [{ sku, quantity: 1 }] },
				alice.headers,
			);
			aliceOrderIds.push(((await placed.json()) as { id: string }).id);
		}
		const page = await api("/api/v1/orders?limit=1", { headers: alice.headers });
		known = {
			aliceToken: alice.token,
			bobToken: bob.token,
			aliceOrderIds,
			aliceCursor: ((await page.json()) as { nextCursor: string }).nextCursor,
		};
	});

	describe("security", () => {
		it(`answers ${BATCHES * BATCH_SIZE} of them without a 5xx, each error in its route's format, storing only what got a 201`, async ({
			annotate,
		}) => {
			const usersBefore = (await storedUsernames()).length;
			const ordersBefore = await storedOrders();
			const statuses = new Map<number, number>();
			const routes = new Map<Route, number>();
			let usersCreated = 0;
			let tutorialOrders = 0;
			const v1Orders = new Set<string>();

			const started = Date.now();
			await fc.assert(
				fc.asyncProperty(
					fc.array(hostileRequest(known), { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }),
					async (batch) => {
						const answers = await Promise.all(batch.map(send));
						for (const [n, res] of answers.entries()) {
							const request = batch[n] as Hostile;
							statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
							routes.set(request.route, (routes.get(request.route) ?? 0) + 1);
							if (res.status === 201) {
								const path = new URL(urlOf(request.path)).pathname;
								if (path === "/register" || path === "/api/v1/users") usersCreated += 1;
								if (path === "/create_order") tutorialOrders += 1;
								if (path === "/api/v1/orders" && !res.headers.has("idempotent-replayed")) {
									v1Orders.add(((await res.clone().json()) as { id: string }).id);
								}
							}
							await expectSafeAnswer(request, res, known);
						}
					},
				),
				{ seed: SEED, numRuns: BATCHES },
			);
			const seconds = (Date.now() - started) / 1000;

			// Only a 201 stores anything: a user per created user, an order per placed order.
			const usernames = await storedUsernames();
			expect(usernames.length - usersBefore).toBe(usersCreated);
			for (const { username } of usernames) expect(username).toMatch(PRINTABLE);
			const orders = await storedOrders();
			const newOrders = orders.filter((order) => !ordersBefore.some((o) => o.id === order.id));
			expect(newOrders.length).toBe(v1Orders.size + tutorialOrders);
			for (const id of v1Orders) expect(newOrders.map((order) => order.id)).toContain(id);
			for (const { sku, quantity } of newOrders.flatMap((order) => order.items)) {
				expect(sku).toMatch(PRINTABLE);
				expect(quantity).toBeGreaterThanOrEqual(1);
				expect(quantity).toBeLessThanOrEqual(1000);
			}
			// Every route had at least half its share.
			const share = (BATCHES * BATCH_SIZE) / ROUTES.length;
			for (const route of ROUTES) expect(routes.get(route) ?? 0, route).toBeGreaterThan(share / 2);
			await annotate(
				JSON.stringify({
					requests: BATCHES * BATCH_SIZE,
					seconds,
					statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
					usersCreated,
					ordersCreated: v1Orders.size + tutorialOrders,
					routes: Object.fromEntries(routes),
				}),
			);
		}, 180_000);
	});
});

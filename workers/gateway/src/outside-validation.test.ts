import { env } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
	Contract,
	expectConforms,
	type OpenApiDocument,
	type OutgoingRequest,
} from "#test/contract";
import { claimsFor, mintToken } from "#test/tokens";
import { createApp } from "./app";

/**
 * Outside validation: a client that validates its requests against the
 * document (here ajv, with the document's own schemas) and the gateway must
 * agree on every request. Generated requests, valid and nearly valid, go to
 * the gateway with its internal workers stubbed out to fail: a request that
 * passes the gateway's checks reaches them and answers 503, one that does
 * not answers 400. So the gateway answers 400 exactly when the outside
 * validator refuses the request, and every answer is one the document lists
 * (the contract check). Seeded, so a failure reproduces.
 */

const SEED = 17;
const RUNS = 150;

/** Every method of an internal worker rejects: whatever passes validation reaches one and is a 503. */
const failing = new Proxy(
	{},
	{ get: () => () => Promise.reject(new Error("stubbed: validation passed")) },
);
const bindings: Env = {
	...env,
	USER_SERVICE: failing as Env["USER_SERVICE"],
	ORDER_SERVICE: failing as Env["ORDER_SERVICE"],
};

/** Characters that test the rules: format and control characters, separators, spaces, surrogates, wide ones. */
const TRICKY = [
	"a",
	"Z",
	"0",
	" ",
	"-",
	"_",
	".",
	"@",
	"+",
	"'",
	"é",
	"ß",
	"Ａ",
	"٣",
	"😀",
	"\u0301",
	"\u00A0",
	"\u3000",
	"\u202E",
	"\u200B",
	"\u200D",
	"\uFEFF",
	"\u00AD",
	"\u0000",
	"\u0007",
	"\t",
	"\n",
	"\u0085",
	"\u2028",
	"\u2029",
	"\uD800",
	"\uDC00",
	"\uE000",
	"\u0378",
];

const PLAIN = ["a", "Z", "0", "é", "ß", "Ａ", "😀", "-", "_", ".", " "];

/** Text around a rule of `min` to `max` characters: plain, tricky, arbitrary, and at the length bounds. */
function text(min: number, max: number): fc.Arbitrary<string> {
	const lengths = [min - 1, min, max, max + 1].filter((n) => n >= 0);
	const upTo = Math.min(max + 2, 40);
	return fc.oneof(
		{
			weight: 4,
			arbitrary: fc.string({
				unit: fc.constantFrom(...PLAIN),
				minLength: min,
				maxLength: Math.max(min, upTo),
			}),
		},
		fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: upTo }),
		fc.string({ unit: "binary", maxLength: upTo }),
		fc.string({ unit: "grapheme", maxLength: upTo }),
		// At the bounds, in one- and two-unit characters, printable or not.
		fc
			.tuple(fc.constantFrom("a", "😀", "é", " ", "\u202E"), fc.constantFrom(...lengths))
			.map(([unit, n]) => unit.repeat(n)),
		fc
			.tuple(fc.constantFrom(...lengths), fc.constantFrom(...TRICKY))
			.map(([n, odd]) => `${"x".repeat(Math.max(0, n - 1))}${odd}`),
	);
}

/** Text a URL can carry: well-formed (no lone surrogate), so it can be percent-encoded. */
const inUrl = (arbitrary: fc.Arbitrary<string>) => arbitrary.filter((s) => s.isWellFormed());

/** A field's value: usually of the field's kind, sometimes of another type. */
function field<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
	return fc.oneof(
		{ weight: 9, arbitrary: valid },
		{
			weight: 1,
			arbitrary: fc.oneof(
				fc.integer(),
				fc.constant(null),
				fc.boolean(),
				fc.array(fc.string(), { maxLength: 2 }),
			),
		},
	);
}

/** A JSON object with these fields (each now and then left out) and now and then an unknown one. */
function body(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
	const present = Object.entries(fields).map(([name, value]) =>
		fc.oneof(
			{ weight: 9, arbitrary: field(value).map((v) => [[name, v]] as [string, unknown][]) },
			{ weight: 1, arbitrary: fc.constant([] as [string, unknown][]) },
		),
	);
	const extra = fc.oneof(
		{ weight: 9, arbitrary: fc.constant([] as [string, unknown][]) },
		{ weight: 1, arbitrary: fc.constant([["role", "admin"]] as [string, unknown][]) },
	);
	return fc
		.tuple(...present, extra)
		.map((entries) => Object.fromEntries(entries.flat()))
		.chain((value) =>
			fc.oneof({ weight: 19, arbitrary: fc.constant(value) }, fc.constantFrom(null, [], "text")),
		);
}

const username = fc.oneof(
	{ weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{3,32}$/) },
	text(3, 32),
);
const email = fc.oneof(
	{ weight: 3, arbitrary: fc.stringMatching(z.regexes.email) },
	fc.emailAddress(),
	fc.constantFrom(
		"alice@example.com",
		"a.b+c@mail.example.org",
		"x@a-.com",
		"x@localhost",
		".a@example.com",
		"a..b@example.com",
		"ünï@example.com",
		`${"a".repeat(250)}@b.co`,
	),
	text(1, 20).map((local) => `${local}@example.com`),
);
const quantity = fc.oneof(
	{ weight: 4, arbitrary: fc.integer({ min: -2, max: 1002 }) },
	fc.constantFrom(0, 1, 1000, 1001, 1.5, 2 ** 53, 1e21),
);
const item = body({ sku: text(1, 64), quantity });
const items = fc.oneof(
	{ weight: 9, arbitrary: fc.array(item, { minLength: 1, maxLength: 2 }) },
	{ weight: 1, arbitrary: fc.constant([]) },
	{
		weight: 1,
		arbitrary: fc
			.constantFrom(100, 101)
			.map((n) => Array.from({ length: n }, () => ({ sku: "s", quantity: 1 }))),
	},
);
const limit = fc.oneof(
	{ weight: 3, arbitrary: fc.integer({ min: -3, max: 103 }).map(String) },
	fc.constantFrom(
		...["0x10", "1e1", "+5", " 5", "5 ", "5.0", "05", "007", "", "٣", "１", "5e0", "1_0"],
		...["0b11", "Infinity", "NaN", "20abc", "-0", "100", "101"],
	),
);
/** A path segment: no `/`, not `.` or `..`, well-formed (so it can be percent-encoded). */
const segment = (arbitrary: fc.Arbitrary<string>) =>
	arbitrary.filter(
		(s) => s.length > 0 && s !== "." && s !== ".." && !s.includes("/") && s.isWellFormed(),
	);
const hex = (length: fc.Arbitrary<number>) =>
	length.chain((n) =>
		fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n }),
	);
const orderId = segment(
	fc.oneof(
		fc.uuid(),
		fc.uuid({ version: [9, 10, 15] }),
		fc.uuid().map((id) => id.toUpperCase()),
		hex(fc.constant(32)).map(
			(h) =>
				`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
		),
		fc.uuid().map((id) => `urn:uuid:${id}`),
		fc.constantFrom(
			"00000000-0000-0000-0000-000000000000",
			"ffffffff-ffff-ffff-ffff-ffffffffffff",
			"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
		),
		text(1, 40),
	),
);
const sessionId = segment(
	fc.oneof(
		{
			weight: 3,
			arbitrary: fc.string({
				unit: fc.constantFrom(..."0123456789abcdef"),
				minLength: 32,
				maxLength: 32,
			}),
		},
		hex(fc.constantFrom(31, 32, 33)),
		text(1, 40),
	),
);
/** Header values a fetch can carry: Latin-1, no NUL, CR or LF. */
const idempotencyKey = fc.oneof(
	fc.string({
		unit: fc.constantFrom(
			"a",
			"Z",
			"0",
			" ",
			"\t",
			"-",
			"~",
			"!",
			"é",
			"\u00A0",
			"\u007F",
			"\u0001",
		),
		maxLength: 12,
	}),
	fc.constantFrom(254, 255, 256).map((n) => "k".repeat(n)),
	fc.constantFrom("order-2026-001", "a b", "' OR '1'='1", "{{7*7}}"),
);

interface Case {
	request: OutgoingRequest;
	/** Sent with a valid access token. */
	authed: boolean;
}

const v1 =
	(method: string, template: string, authed = false) =>
	(parts: Omit<OutgoingRequest, "method" | "template">): Case => ({
		request: { method, template, ...parts },
		authed,
	});

const CASES: Record<string, fc.Arbitrary<Case>> = {
	"POST /api/v1/users": body({ username, password: text(8, 128), email }).map((b) =>
		v1("POST", "/api/v1/users")({ body: b }),
	),
	"POST /api/v1/auth/login": body({ username: text(1, 255), password: text(1, 1024) }).map((b) =>
		v1("POST", "/api/v1/auth/login")({ body: b }),
	),
	"POST /api/v1/auth/refresh": body({ refreshToken: text(1, 256) }).map((b) =>
		v1("POST", "/api/v1/auth/refresh")({ body: b }),
	),
	"POST /api/v1/auth/logout": body({ refreshToken: text(1, 256) }).map((b) =>
		v1("POST", "/api/v1/auth/logout")({ body: b }),
	),
	"DELETE /api/v1/users/me": body({ password: text(1, 1024) }).map((b) =>
		v1("DELETE", "/api/v1/users/me", true)({ body: b }),
	),
	"PUT /api/v1/users/me/password": body({
		currentPassword: text(1, 1024),
		newPassword: text(8, 128),
	}).map((b) => v1("PUT", "/api/v1/users/me/password", true)({ body: b })),
	"DELETE /api/v1/users/me/sessions/{id}": sessionId.map((id) =>
		v1("DELETE", "/api/v1/users/me/sessions/{id}", true)({ path: { id } }),
	),
	"POST /api/v1/orders": fc.tuple(body({ items }), fc.option(idempotencyKey)).map(([b, key]) =>
		v1(
			"POST",
			"/api/v1/orders",
			true,
		)({
			body: b,
			...(key === null ? {} : { header: { "Idempotency-Key": key } }),
		}),
	),
	"GET /api/v1/orders": fc
		.record({ limit, cursor: inUrl(text(1, 256)) }, { requiredKeys: [] })
		.map((query) => v1("GET", "/api/v1/orders", true)({ query })),
	"GET /api/v1/users/me/notifications": fc
		.record({ limit, cursor: inUrl(text(1, 256)) }, { requiredKeys: [] })
		.map((query) => v1("GET", "/api/v1/users/me/notifications", true)({ query })),
	"GET /api/v1/orders/{id}": orderId.map((id) =>
		v1("GET", "/api/v1/orders/{id}", true)({ path: { id } }),
	),
	"POST /api/v1/orders/{id}/cancel": orderId.map((id) =>
		v1("POST", "/api/v1/orders/{id}/cancel", true)({ path: { id } }),
	),
	"POST /register": body({ username: text(1, 255), password: text(1, 1024) }).map((b) =>
		v1("POST", "/register")({ body: b }),
	),
	"POST /create_order": body({
		user_id: fc.oneof(
			fc.integer({ min: -2, max: 50 }),
			fc.constantFrom(0.5, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e300),
		),
		items: fc.array(text(1, 64), { minLength: 1, maxLength: 2 }),
	}).map((b) => v1("POST", "/create_order")({ body: b })),
};

let clients = 0;

/** The request as fetch sends it, and the header values as they arrive (fetch trims them). */
async function sent({ request, authed }: Case) {
	const path = request.template.replace(/\{(\w+)\}/g, (_, name: string) =>
		encodeURIComponent(request.path?.[name] ?? ""),
	);
	const query = Object.entries(request.query ?? {})
		.map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
		.join("&");
	const url = query ? `${path}?${query}` : path;
	const headers = new Headers(request.header);
	// Each request its own client and user, so no rate limit answers before validation.
	clients += 1;
	headers.set("CF-Connecting-IP", `10.${clients >> 16}.${(clients >> 8) & 255}.${clients & 255}`);
	if (authed) {
		const token = await mintToken(claimsFor(100_000 + clients, "9f2c4e0a1b3d5f7e9f2c4e0a1b3d5f7e"));
		headers.set("Authorization", `Bearer ${token}`);
	}
	const requestBody = request.body === undefined ? undefined : JSON.stringify(request.body);
	if (requestBody !== undefined) headers.set("Content-Type", "application/json");
	return { url, headers, requestBody };
}

describe("outside validation", () => {
	let contract: Contract;
	beforeAll(async () => {
		const served = await createApp().request("/openapi.json", {}, bindings);
		contract = new Contract((await served.json()) as OpenApiDocument);
	});

	describe("security", () => {
		it.each(Object.keys(CASES))(
			"%s: the gateway refuses (400) exactly the requests the document refuses",
			async (route) => {
				const statuses = new Map<number, number>();
				await fc.assert(
					fc.asyncProperty(CASES[route] as fc.Arbitrary<Case>, async (generated) => {
						const { url, headers, requestBody } = await sent(generated);
						const res = await createApp().request(
							url,
							{ method: generated.request.method, headers, body: requestBody },
							bindings,
						);
						const answer = await res.text();
						statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
						expectConforms(contract, {
							method: generated.request.method,
							path: new URL(url, "http://localhost").pathname,
							requestHeaders: headers,
							...(requestBody === undefined ? {} : { requestBody }),
							status: res.status,
							headers: res.headers,
							body: answer,
						});
						// What the outside validator sees: the headers as they arrive.
						const departures = contract.outsideDepartures({
							...generated.request,
							header: Object.fromEntries(headers),
						});
						const what = `${JSON.stringify(generated.request)} -> ${res.status} ${answer.slice(0, 300)}`;
						if (departures.length === 0) expect(res.status, what).not.toBe(400);
						else expect(res.status, `${what}\nthe document refuses: ${departures}`).toBe(400);
					}),
					{ seed: SEED, numRuns: RUNS },
				);
				// Both verdicts were reached, often.
				expect(statuses.get(400) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(RUNS / 10);
				expect(RUNS - (statuses.get(400) ?? 0), JSON.stringify([...statuses])).toBeGreaterThan(
					RUNS / 10,
				);
			},
			60_000,
		);
	});
});

import { beforeAll, describe, expect, it } from "vitest";
import type { OpenApiDocument } from "#test/contract";
import { api, expectProblem } from "#test/requests";

/**
 * What the document's description says of methods and paths it does not
 * list, held for every method on every path it lists and on some it does
 * not: HEAD is GET without the body, an OPTIONS with an Origin is a CORS
 * preflight (204), and anything else unlisted is a 404 problem. Each answer
 * also goes through the contract check (`api`).
 */

type Parameter = { name: string; in: string; example?: string; schema?: { example?: string } };
type Paths = Record<string, Record<string, { parameters?: Parameter[] }>>;

// Every method fetch can send (CONNECT, TRACK and the like it refuses to).
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "QUERY"];
const UNLISTED_PATHS = [
	"/nope",
	"/api/v1",
	"/api/v1/orders/x/y",
	"/health/",
	"/problems/not_found",
];

/** Each documented path with its parameters filled in from their examples. */
function concrete(paths: Paths): string[] {
	return Object.entries(paths).map(([template, item]) =>
		template.replace(/\{(\w+)\}/g, (_, name: string) => {
			const parameter = Object.values(item)
				.flatMap((operation) => operation.parameters ?? [])
				.find((p) => p.in === "path" && p.name === name);
			const example = parameter?.example ?? parameter?.schema?.example;
			if (example === undefined) throw new Error(`${template}: no example for {${name}}`);
			return encodeURIComponent(example);
		}),
	);
}

/** A 404 `not_found` problem, as HEAD answers it too: without the body. */
async function expectNotFound(method: string, path: string) {
	const res = await api(path, { method });
	if (method !== "HEAD") {
		const problem = await expectProblem(res, 404);
		expect(problem.type, `${method} ${path}`).toBe("/problems/not_found");
		return;
	}
	expect(res.status, `${method} ${path}`).toBe(404);
	expect(res.headers.get("content-type")).toBe("application/problem+json");
	expect(await res.text()).toBe("");
}

describe("methods and paths the document does not list", () => {
	let paths: Paths;
	let listed: { path: string; methods: string[] }[];
	beforeAll(async () => {
		paths = ((await (await api("/openapi.json")).json()) as OpenApiDocument).paths as Paths;
		listed = concrete(paths).map((path, n) => ({
			path,
			methods: Object.keys(Object.values(paths)[n] ?? {}).map((m) => m.toUpperCase()),
		}));
	});

	describe("happy", () => {
		it("answers HEAD on every GET route as GET, status and headers, without the body", async () => {
			for (const { path } of listed.filter((route) => route.methods.includes("GET"))) {
				const get = await api(path);
				const head = await api(path, { method: "HEAD" });
				expect(head.status, path).toBe(get.status);
				expect(head.headers.get("content-type"), path).toBe(get.headers.get("content-type"));
				expect(await head.text(), path).toBe("");
			}
		});

		it("answers a CORS preflight (OPTIONS with Origin) with a 204 without a body, on any path", async () => {
			for (const path of [...listed.map((route) => route.path), ...UNLISTED_PATHS]) {
				const res = await api(path, {
					method: "OPTIONS",
					headers: { Origin: "https://elsewhere.example", "Access-Control-Request-Method": "GET" },
				});
				expect(res.status, path).toBe(204);
				expect(await res.text(), path).toBe("");
				// No origin is allowed by default.
				expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
			}
		});
	});

	describe("errors", () => {
		it("answers every other unlisted method on a listed path with a 404 problem", async () => {
			for (const { path, methods } of listed) {
				const unlisted = METHODS.filter(
					(method) => !methods.includes(method) && !(method === "HEAD" && methods.includes("GET")),
				);
				for (const method of unlisted) await expectNotFound(method, path);
			}
		});

		it("answers every method on an unlisted path with a 404 problem (HEAD's without the body)", async () => {
			for (const path of UNLISTED_PATHS) {
				for (const method of METHODS) await expectNotFound(method, path);
			}
		});
	});
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Contract, type OpenApiDocument } from "#test/contract";
import { api, appRequest } from "#test/requests";
import { createApp } from "../app";
import { PROBLEMS } from "../problems";

type Schema = { $ref?: string; example?: unknown; type?: string; [keyword: string]: unknown };
type MediaType = {
	schema: Schema;
	example?: unknown;
	examples?: Record<string, { value: unknown }>;
};
type Header = { $ref?: string; schema?: Schema };
type ResponseSpec = {
	description: string;
	content?: Record<string, MediaType>;
	headers?: Record<string, Header>;
};
type Operation = {
	operationId?: string;
	parameters?: { name: string; in: string; example?: unknown; schema: Schema }[];
	requestBody?: { content: Record<string, MediaType> };
	responses: Record<string, ResponseSpec>;
	security?: unknown[];
};
type Document = {
	openapi: string;
	info: { description: string };
	paths: Record<string, Record<string, Operation>>;
	components: {
		schemas: Record<string, Schema>;
		headers: Record<string, { schema: Schema }>;
		securitySchemes: Record<string, unknown>;
	};
};

/** Each operation of the document, with where it is. */
const operations = (doc: Document) =>
	Object.entries(doc.paths).flatMap(([path, item]) =>
		Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
	);

/** Every `pattern` anywhere in `value`. */
function patternsIn(value: unknown): string[] {
	if (typeof value !== "object" || value === null) return [];
	return Object.entries(value).flatMap(([key, inner]) =>
		key === "pattern" && typeof inner === "string" ? [inner] : patternsIn(inner),
	);
}

const PROBLEM = { $ref: "#/components/schemas/Problem" };

// Every route, each status it can return, and whether it takes a token.
const routes = [
	["post", "/api/v1/users", [201, 400, 409, 413, 415, 429, 503], false],
	["post", "/api/v1/auth/login", [200, 400, 401, 413, 415, 429, 503], false],
	["post", "/api/v1/auth/refresh", [200, 400, 401, 413, 415, 429, 503], false],
	["post", "/api/v1/auth/logout", [204, 400, 413, 415, 429, 503], false],
	["put", "/api/v1/users/me/password", [200, 400, 401, 413, 415, 429, 503], true],
	["delete", "/api/v1/users/me", [204, 400, 401, 413, 415, 429, 503], true],
	["get", "/api/v1/users/me/sessions", [200, 401, 503], true],
	["delete", "/api/v1/users/me/sessions", [204, 401, 503], true],
	["delete", "/api/v1/users/me/sessions/{id}", [204, 400, 401, 404, 503], true],
	["get", "/api/v1/users/me", [200, 401, 503], true],
	["get", "/api/v1/users/me/notifications", [200, 400, 401, 503], true],
	["post", "/api/v1/orders", [201, 400, 401, 413, 415, 422, 429, 503], true],
	["get", "/api/v1/orders", [200, 400, 401, 429, 503], true],
	["get", "/api/v1/orders/{id}", [200, 400, 401, 404, 429, 503], true],
	["post", "/api/v1/orders/{id}/cancel", [200, 400, 401, 404, 409, 429, 503], true],
	["get", "/health", [200, 503], false],
	["post", "/register", [201, 400, 409, 413, 429, 503], false],
	["get", "/validate_user/{user_id}", [200, 404, 503], false],
	["post", "/create_order", [201, 400, 401, 413, 429, 503], false],
	["get", "/", [200, 302], false],
	["get", "/docs", [200], false],
	["get", "/docs/{asset}", [200, 304, 404], false],
	["get", "/openapi.json", [200], false],
] as const;

// Failures that are not problem documents: the tutorial's keep its bodies, and
// /health's 503 is a health report.
const ownErrorBodies: Record<string, number[]> = {
	"/register": [400, 409],
	"/validate_user/{user_id}": [404],
	"/create_order": [400, 401],
	"/health": [503],
};

describe("GET /openapi.json", () => {
	let res: Response;
	let doc: Document;
	beforeAll(async () => {
		res = await api("/openapi.json");
		doc = (await res.json()) as Document;
	});

	describe("happy", () => {
		it("is an OpenAPI 3.1 document with the bearer scheme", () => {
			expect(res.status).toBe(200);
			expect(doc.openapi).toBe("3.1.0");
			expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
				type: "http",
				scheme: "bearer",
			});
		});

		it.each(routes)(
			"documents %s %s with each status it can return",
			(method, path, statuses, authed) => {
				const operation = doc.paths[path]?.[method];
				expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(statuses.map(String).sort());
				for (const status of statuses) {
					const content = operation?.responses[String(status)]?.content;
					if (status >= 400 && !ownErrorBodies[path]?.includes(status)) {
						expect(content?.["application/problem+json"]?.schema, `${status}`).toEqual(PROBLEM);
					}
				}
				expect(operation?.security).toEqual(authed ? [{ bearerAuth: [] }] : []);
				if (method === "post" && !path.endsWith("/cancel")) {
					expect(operation?.requestBody?.content["application/json"]?.schema).toBeDefined();
				}
			},
		);

		it("lists every route the gateway serves, each with its own operationId", () => {
			// Hono lists a route once per handler; middleware is method ALL.
			const served = new Set(
				createApp()
					.routes.filter((route) => route.method !== "ALL")
					.map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
			);
			const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
				Object.keys(item).map((method) => `${method} ${path}`),
			);
			expect(documented.sort()).toEqual([...served].sort());
			// ...and each has its row above, so a new route cannot skip the status check.
			expect(routes.map(([method, path]) => `${method} ${path}`).sort()).toEqual(documented);
			const ids = Object.values(doc.paths).flatMap((item) =>
				Object.values(item).map((operation) => operation.operationId),
			);
			expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
			expect(new Set(ids).size).toBe(ids.length);
		});

		it("gives order ids and timestamps their formats", () => {
			expect(doc.components.schemas.Order).toMatchObject({
				properties: { id: { format: "uuid" }, createdAt: { format: "date-time" } },
			});
			expect(doc.components.schemas.User).toMatchObject({
				properties: { createdAt: { format: "date-time" } },
			});
		});

		it("documents Retry-After on 503s and WWW-Authenticate on 401s", () => {
			const create = doc.paths["/api/v1/orders"]?.post?.responses as Record<
				string,
				{ headers?: object }
			>;
			expect(create["503"]?.headers).toHaveProperty("Retry-After");
			expect(create["401"]?.headers).toHaveProperty("WWW-Authenticate");
		});

		it("describes the strict request bodies from the validating schemas", () => {
			expect(doc.components.schemas.CreateUser).toMatchObject({
				additionalProperties: false,
				required: ["username", "password"],
			});
			expect(doc.components.schemas.OrderItem).toMatchObject({
				properties: { quantity: { minimum: 1, maximum: 1000 } },
			});
		});

		it("lets a validating client send the orders the API takes, and no others", async () => {
			const contract = new Contract((await (await api("/openapi.json")).json()) as OpenApiDocument);
			const placing = (sku: string) =>
				contract.departures({
					method: "POST",
					path: "/api/v1/orders",
					requestBody: JSON.stringify({ items: [{ sku, quantity: 2 }] }),
					status: 201,
					headers: new Headers({
						"Content-Type": "application/json",
						"X-Request-Id": "r-1",
						Location: "/api/v1/orders/x",
					}),
					body: JSON.stringify({
						id: crypto.randomUUID(),
						userId: 1,
						items: [{ sku, quantity: 2 }],
						status: "created",
						createdAt: new Date().toISOString(),
					}),
				});
			for (const sku of ["book-1", "Ünïcode ✓", "with space/and:punctuation", "😀".repeat(64)]) {
				expect(placing(sku), sku).toEqual([]);
			}
			for (const sku of [
				"bell\u0007",
				"\u0085next-line",
				"right\u202Eto-left",
				"zero\u200Bwidth",
				"  ",
				"\u3000",
				"😀".repeat(65),
			]) {
				expect(placing(sku), sku).not.toEqual([]);
			}
		});
	});

	describe("examples", () => {
		let contract: Contract;
		beforeAll(() => {
			contract = new Contract(doc as unknown as OpenApiDocument);
		});

		/** The example of a schema, following a reference into components. */
		const exampleOf = (schema: Schema | undefined) =>
			schema?.$ref
				? doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")]?.example
				: schema?.example;

		/** Each example of a media type (its own, or its schema's), checked against its schema. */
		function mediaExamples(media: MediaType, at: string[]): [string, unknown][] {
			const own = [
				...(media.example === undefined ? [] : [media.example]),
				...Object.values(media.examples ?? {}).map((example) => example.value),
			];
			const examples = own.length > 0 ? own : [exampleOf(media.schema)];
			return examples.map((example) => [at.join(" "), example]);
		}

		it("has one for every schema, each valid against it", () => {
			for (const [name, schema] of Object.entries(doc.components.schemas)) {
				expect(schema.example, name).toBeDefined();
				expect(contract.valueDepartures(["components", "schemas", name], schema.example)).toEqual(
					[],
				);
			}
		});

		it("has one for every request and response body, parameter and response header, each valid against its schema", () => {
			for (const { path, method, operation } of operations(doc)) {
				const at = ["paths", path, method];
				for (const [n, parameter] of (operation.parameters ?? []).entries()) {
					const example = parameter.example ?? parameter.schema.example;
					expect(example, `${at.join(" ")} ${parameter.name}`).toBeDefined();
					const schema = [...at, "parameters", String(n), "schema"];
					expect(contract.valueDepartures(schema, example)).toEqual([]);
				}
				const bodies: [string[], MediaType][] = [
					...Object.entries(operation.requestBody?.content ?? {}).map(
						([type, media]): [string[], MediaType] => [
							[...at, "requestBody", "content", type],
							media,
						],
					),
					...Object.entries(operation.responses).flatMap(([status, response]) =>
						Object.entries(response.content ?? {}).map(([type, media]): [string[], MediaType] => [
							[...at, "responses", status, "content", type],
							media,
						]),
					),
				];
				for (const [where, media] of bodies) {
					for (const [what, example] of mediaExamples(media, where)) {
						expect(example, what).toBeDefined();
						expect(contract.valueDepartures([...where, "schema"], example), what).toEqual([]);
					}
				}
				for (const [status, response] of Object.entries(operation.responses)) {
					for (const [name, header] of Object.entries(response.headers ?? {})) {
						const shared = header.$ref?.replace("#/components/headers/", "");
						const schema = shared ? doc.components.headers[shared]?.schema : header.schema;
						expect(schema?.example, `${at.join(" ")} ${status} ${name}`).toBeDefined();
						const where = shared
							? ["components", "headers", shared, "schema"]
							: [...at, "responses", status, "headers", name, "schema"];
						expect(contract.valueDepartures(where, schema?.example)).toEqual([]);
					}
				}
			}
		});
	});

	describe("problem types", () => {
		const problemTypes = Object.entries(PROBLEMS).map(([code, problem]) => ({
			type: `/problems/${code}`,
			...problem,
		}));

		it("lists every type the gateway answers with, each with its status and meaning", () => {
			const properties = doc.components.schemas.Problem?.properties as Record<string, Schema>;
			const type = properties.type;
			expect([...((type?.enum as string[]) ?? [])].sort()).toEqual(
				problemTypes.map((p) => p.type).sort(),
			);
			for (const p of problemTypes) {
				expect(type?.description).toContain(
					`\`${p.type}\` (${p.status}, ${p.title}): ${p.meaning}`,
				);
			}
		});

		it("gives each failure its own type: no two share a title or a meaning", () => {
			expect(new Set(problemTypes.map((p) => p.title)).size).toBe(problemTypes.length);
			expect(new Set(problemTypes.map((p) => p.meaning)).size).toBe(problemTypes.length);
		});

		it("lists in each problem response the types it can carry, with an example of each", () => {
			for (const { path, method, operation } of operations(doc)) {
				for (const [status, response] of Object.entries(operation.responses)) {
					const media = response.content?.["application/problem+json"];
					if (!media) continue;
					const carried = Object.keys(media.examples ?? {});
					expect(carried.length, `${method} ${path} ${status}`).toBeGreaterThan(0);
					for (const code of carried) {
						const p = problemTypes.find((candidate) => candidate.type === `/problems/${code}`);
						expect(p?.status, `${method} ${path} ${status} ${code}`).toBe(Number(status));
						expect(media.examples?.[code]?.value).toMatchObject({
							type: p?.type,
							status: p?.status,
						});
						expect(response.description).toContain(`\`${p?.type}\`: ${p?.meaning}`);
					}
				}
			}
		});

		it("tells a taken username from an order already cancelled", () => {
			const conflicts = (path: string, method: string) =>
				Object.keys(
					doc.paths[path]?.[method]?.responses["409"]?.content?.["application/problem+json"]
						?.examples ?? {},
				);
			expect(conflicts("/api/v1/users", "post")).toEqual(["username_taken"]);
			expect(conflicts("/api/v1/orders/{id}/cancel", "post")).toEqual(["order_already_cancelled"]);
		});
	});

	describe("rules", () => {
		it("writes every pattern as an ECMA-262 pattern with the u flag, as JSON Schema 2020-12 reads them", () => {
			const patterns = patternsIn(doc);
			expect(patterns.length).toBeGreaterThan(5);
			for (const pattern of patterns) {
				expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
				// A flagged regex written whole (`^...$/u`) is no pattern.
				expect(pattern, pattern).not.toMatch(/\/[dgimsuvy]+$/);
			}
		});

		it("documents Retry-After as whole seconds on every 429 and 503", () => {
			for (const { path, method, operation } of operations(doc)) {
				for (const status of ["429", "503"]) {
					const header = operation.responses[status]?.headers?.["Retry-After"];
					if (!operation.responses[status]) continue;
					expect(header?.schema, `${method} ${path} ${status}`).toMatchObject({
						type: "integer",
						minimum: 0,
					});
				}
			}
		});

		it("documents limit as an integer from 1 to 100, written in decimal digits", () => {
			for (const path of ["/api/v1/orders", "/api/v1/users/me/notifications"]) {
				const limit = doc.paths[path]?.get?.parameters?.find((p) => p.name === "limit");
				expect(limit?.schema).toMatchObject({
					type: "integer",
					minimum: 1,
					maximum: 100,
					default: 20,
				});
				expect(limit?.schema.description).toMatch(/decimal digits only/);
			}
		});

		it("states which errors are not problem documents, and what unlisted methods get", () => {
			const { description } = doc.info;
			expect(description).toMatch(/tutorial routes' own 400, 401, 404 and\s+409 bodies/);
			expect(description).toMatch(/`GET \/health`'s 503, which is the health report/);
			expect(description).toMatch(/`HEAD` is answered as `GET`/);
			expect(description).toMatch(/`OPTIONS` request with an `Origin` header/);
		});
	});

	describe("security", () => {
		it("lists the tutorial's routes only where SEED_ROUTES serves them", async () => {
			const pathsWith = async (SEED_ROUTES: "on" | "off") => {
				const res = await appRequest("/openapi.json", {}, { ...env, SEED_ROUTES });
				return Object.keys(((await res.json()) as Document).paths);
			};
			expect(await pathsWith("on")).toEqual(expect.arrayContaining(["/register", "/create_order"]));
			const off = await pathsWith("off");
			expect(off).not.toContain("/register");
			expect(off).not.toContain("/validate_user/{user_id}");
			expect(off).toContain("/api/v1/orders");
		});
	});
});

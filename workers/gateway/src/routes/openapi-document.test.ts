import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Contract, type OpenApiDocument } from "#test/contract";
import { api, appRequest } from "#test/requests";
import { createApp } from "../app";

type Operation = {
	operationId?: string;
	requestBody?: { content: Record<string, { schema: unknown }> };
	responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
	security?: unknown[];
};
type Document = {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const PROBLEM = { $ref: "#/components/schemas/Problem" };

// Every route, each status it can return, and whether it takes a token.
const routes = [
	["post", "/api/v1/users", [201, 400, 409, 413, 415, 429, 503], false],
	["post", "/api/v1/auth/login", [200, 400, 401, 413, 415, 429, 503], false],
	["get", "/api/v1/users/me", [200, 401, 503], true],
	["get", "/api/v1/users/me/notifications", [200, 400, 401, 503], true],
	["post", "/api/v1/orders", [201, 400, 401, 413, 415, 422, 429, 503], true],
	["get", "/api/v1/orders", [200, 400, 401, 429, 503], true],
	["get", "/api/v1/orders/{id}", [200, 400, 401, 404, 429, 503], true],
	["post", "/api/v1/orders/{id}/cancel", [200, 400, 401, 404, 409, 413, 429, 503], true],
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
			for (const sku of ["book-1", "Ünïcode ✓", "with space/and:punctuation"]) {
				expect(placing(sku), sku).toEqual([]);
			}
			expect(placing("bell\u0007")).not.toEqual([]);
			expect(placing("\u0085next-line")).not.toEqual([]);
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

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api } from "../../../../test/requests";
import { createApp } from "../app";

type Operation = {
	requestBody?: { content: Record<string, { schema: unknown }> };
	responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
	security?: unknown[];
};
type Document = {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const v1 = [
	["post", "/api/v1/users", [201, 400, 409], false],
	["post", "/api/v1/auth/login", [200, 400, 401], false],
	["get", "/api/v1/users/me", [200, 401], true],
	["post", "/api/v1/orders", [201, 400, 401, 422], true],
	["get", "/api/v1/orders", [200, 400, 401], true],
	["get", "/api/v1/orders/{id}", [200, 401, 404], true],
	["post", "/api/v1/orders/{id}/cancel", [200, 401, 404, 409], true],
	["get", "/health", [200, 503], false],
] as const;

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

		it.each(v1)("documents %s %s with its responses", (method, path, statuses, authed) => {
			const operation = doc.paths[path]?.[method];
			expect(operation).toBeDefined();
			for (const status of statuses) {
				const response = operation?.responses[String(status)];
				expect(response?.content, `${status}`).toBeDefined();
				if (status >= 400 && path !== "/health") {
					expect(response?.content?.["application/problem+json"]?.schema).toEqual({
						$ref: "#/components/schemas/Problem",
					});
				}
			}
			expect(Boolean(operation?.security)).toBe(authed);
			if (method === "post" && !path.endsWith("/cancel")) {
				expect(operation?.requestBody?.content["application/json"]?.schema).toBeDefined();
			}
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
	});

	describe("security", () => {
		it("lists the tutorial's routes only where SEED_ROUTES serves them", async () => {
			const pathsWith = async (SEED_ROUTES: "on" | "off") => {
				const res = await createApp().request("/openapi.json", {}, { ...env, SEED_ROUTES });
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

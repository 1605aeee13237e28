import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app";

/**
 * GET /openapi.json: OpenAPI 3.1, generated from the same zod schemas that
 * validate requests, so the document cannot drift from the code.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>): void {
	app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "JWT",
		description: "An access token from POST /api/v1/auth/login (15 minutes).",
	});
	app.doc31("/openapi.json", {
		openapi: "3.1.0",
		info: {
			title: "Microservices on Cloudflare Workers",
			version: "1.0.0",
			description:
				"The gateway's public API. Every error is an RFC 9457 problem document " +
				"(application/problem+json) with a requestId.",
		},
		tags: [
			{ name: "Users" },
			{ name: "Auth" },
			{ name: "Orders" },
			{ name: "Health" },
			{ name: "Tutorial", description: "The tutorial's routes, when SEED_ROUTES is on." },
		],
	});
}

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

const TUTORIAL_TAG = "Tutorial";

const config = {
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
		{ name: TUTORIAL_TAG, description: "The tutorial's routes, served when SEED_ROUTES is on." },
	],
};

/**
 * GET /openapi.json: OpenAPI 3.1, generated from the same zod schemas that
 * validate requests, so the document cannot drift from the code. The
 * tutorial's routes are listed only where SEED_ROUTES serves them.
 */
export function registerOpenApiRoute(app: OpenAPIHono<AppEnv>): void {
	app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "JWT",
		description: "An access token from POST /api/v1/auth/login (15 minutes).",
	});
	const documents = new Map<boolean, unknown>();
	const documentFor = (withTutorial: boolean) => {
		const document = app.getOpenAPI31Document(config);
		if (withTutorial) return document;
		const paths = Object.entries(document.paths ?? {}).filter(([, item]) =>
			Object.values(item).every(
				(operation) => !(operation as { tags?: string[] }).tags?.includes(TUTORIAL_TAG),
			),
		);
		return {
			...document,
			tags: config.tags.filter((tag) => tag.name !== TUTORIAL_TAG),
			paths: Object.fromEntries(paths),
		};
	};
	app.get("/openapi.json", (c) => {
		const withTutorial = c.env.SEED_ROUTES === "on";
		if (!documents.has(withTutorial)) documents.set(withTutorial, documentFor(withTutorial));
		return c.json(documents.get(withTutorial));
	});
}

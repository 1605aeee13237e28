import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";

const TUTORIAL_TAG = "Tutorial";

const config = {
	openapi: "3.1.0",
	info: {
		title: "Microservices on Cloudflare Workers",
		version: "1.0.0",
		description:
			"The gateway's public API. Every error is an RFC 9457 problem document " +
			"(application/problem+json) with a requestId; any path or method not listed " +
			"here is a 404 problem. Every response carries `X-Request-Id`.",
	},
	// Relative, so "try it" in /docs and generated clients call the gateway
	// that served this document, wherever it runs.
	servers: [{ url: "/", description: "The gateway that serves this document" }],
	tags: [
		{ name: "Users", description: "Registration, the signed-in user, password and deletion" },
		{
			name: "Auth",
			description: "Token pairs: access tokens (JWT, 15 minutes) and refresh tokens (30 days)",
		},
		{ name: "Sessions", description: "The signed-in user's sessions, one per login" },
		{ name: "Orders", description: "The signed-in user's orders" },
		{ name: "Health", description: "Whether the gateway reaches its services" },
		{ name: "Docs", description: "This document, its interactive reference, and links" },
		{ name: TUTORIAL_TAG, description: "The tutorial's routes, served when SEED_ROUTES is on." },
	],
};

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;
// What the generator puts in a path item: operations by method, nothing else.
type Operations = Record<string, { responses?: Record<string, { headers?: object }> }>;

const REQUEST_ID_HEADER = { $ref: "#/components/headers/X-Request-Id" };

const mapValues = <T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> =>
	Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));

/** Every response carries the request id (the app-wide requestId middleware), so every response documents it. */
function withRequestIdHeaders(paths: NonNullable<Document["paths"]>): Document["paths"] {
	return mapValues(paths as Record<string, Operations>, (operations) =>
		mapValues(operations, (operation) => ({
			...operation,
			responses: mapValues(operation.responses ?? {}, (response) => ({
				...response,
				headers: { "X-Request-Id": REQUEST_ID_HEADER, ...response.headers },
			})),
		})),
	);
}

const getDocument = createRoute({
	method: "get",
	path: "/openapi.json",
	operationId: "getOpenApiDocument",
	tags: ["Docs"],
	summary: "This OpenAPI 3.1 document",
	security: [],
	responses: {
		200: {
			description: "The document; lists the tutorial's routes only where they are served",
			content: { "application/json": { schema: z.looseObject({ openapi: z.string() }) } },
		},
	},
});

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
	app.openAPIRegistry.registerComponent("headers", "X-Request-Id", {
		description:
			"The request's id: the caller's X-Request-Id when well formed, else a generated one. " +
			"Problem documents carry it as requestId; logs carry it too.",
		required: true,
		schema: { type: "string" },
	});
	const documents = new Map<boolean, Document>();
	const documentFor = (withTutorial: boolean): Document => {
		const document = app.getOpenAPI31Document(config);
		const paths = Object.entries(document.paths ?? {}).filter(
			([, item]) =>
				withTutorial ||
				Object.values(item).every(
					(operation) => !(operation as { tags?: string[] }).tags?.includes(TUTORIAL_TAG),
				),
		);
		return {
			...document,
			tags: config.tags.filter((tag) => withTutorial || tag.name !== TUTORIAL_TAG),
			paths: withRequestIdHeaders(Object.fromEntries(paths)),
		};
	};
	app.openapi(getDocument, (c) => {
		const withTutorial = c.env.SEED_ROUTES === "on";
		let document = documents.get(withTutorial);
		if (!document) {
			document = documentFor(withTutorial);
			documents.set(withTutorial, document);
		}
		return c.json(document, 200);
	});
}

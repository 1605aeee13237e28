import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { TUTORIAL_TAG } from "./tutorial";

/**
 * What the document says of the gateway as a whole. Each claim is held by a
 * test (openapi-document.test.ts, app.methods.test.ts, outside-validation.test.ts).
 */
const DESCRIPTION = `The gateway's public API.

**Requests.** The schemas here are the rules the gateway enforces, no looser and no
stricter: a request they allow is never refused as invalid, and a field, parameter or
header they refuse is a 400. Lengths count characters (Unicode code points), as JSON
Schema does. Patterns are ECMA-262 regular expressions with the \`u\` flag, as JSON
Schema 2020-12 (section 6.4) has validators build them, so \`\\p{C}\` is the Unicode
property "other". Unknown fields in a v1 body are a 400. What no schema can say: a body
over 16 KiB is a 413 (\`payload_too_large\`), one not sent as \`application/json\` a 415,
one that is not JSON (or not UTF-8) a 400 (\`malformed_request\`), and a \`cursor\`
other than a \`nextCursor\` of the same list a 400.

**Errors.** Every error of API v1, of \`/docs/{asset}\` and of an unknown route is an
RFC 9457 problem document (\`application/problem+json\`) with \`type\`, \`title\`,
\`status\`, \`detail\` and \`requestId\`, and \`errors\` for validation failures; the
Problem schema lists every \`type\` with its meaning, and each response the types it can
carry. Errors that are not problem documents: the tutorial routes' own 400, 401, 404 and
409 bodies (\`{"message"}\` or \`{"error"}\`, as each lists; their 413, 429 and 503 are
problem documents), and \`GET /health\`'s 503, which is the health report. A 500 would
be a bug; no route documents one.

**Methods and paths.** A path or method not listed here (\`PUT /health\`, \`TRACE\` on any
path) is a 404 \`not_found\` problem, with two exceptions: \`HEAD\` is answered as \`GET\`
would be, status and headers, without the body (so \`HEAD\` of an unlisted path is a 404
without one); and an \`OPTIONS\` request with an \`Origin\` header (a CORS preflight) is
a 204 without a body on any path, carrying CORS headers only for the origins the gateway
allows. An \`OPTIONS\` without \`Origin\` is a 404 problem like any unlisted method.

**Every response** carries \`X-Request-Id\`; a 429 and a 503 carry \`Retry-After\` in
whole seconds, a 401 \`WWW-Authenticate\`.`;

const config = {
	openapi: "3.1.0",
	info: {
		title: "Microservices on Cloudflare Workers",
		version: "1.0.0",
		description: DESCRIPTION,
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
			content: {
				"application/json": {
					schema: z.looseObject({ openapi: z.string() }),
					example: { openapi: "3.1.0", info: { title: config.info.title, version: "1.0.0" } },
				},
			},
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
		schema: { type: "string", example: "3f8e2a1c-5b7d-4e9f-a0c6-1d2b3e4f5a6b" },
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

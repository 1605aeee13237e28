import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { accepts } from "hono/accepts";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../env";
import { ApiError, problemResponses } from "../problems";

/**
 * The pages for people: `GET /` (a browser is sent to the docs, an API client
 * gets links) and `GET /docs`, Swagger UI on `/openapi.json`. Swagger UI's
 * files are this worker's static assets (wrangler.toml [assets]), so the page
 * renders with no network.
 */
const DOCS_TAG = "Docs";

const LINKS = {
	name: "Microservices on Cloudflare Workers",
	links: {
		docs: "/docs",
		openapi: "/openapi.json",
		health: "/health",
		register: "/api/v1/users",
		login: "/api/v1/auth/login",
		orders: "/api/v1/orders",
	},
};

const LinksSchema = z
	.object({
		name: z.string(),
		links: z.object({
			docs: z.string(),
			openapi: z.string(),
			health: z.string(),
			register: z.string(),
			login: z.string(),
			orders: z.string(),
		}),
	})
	.meta({ id: "Links", example: LINKS });

// The answer depends on Accept, so caches must keep one per Accept (CORS
// adds Origin to the same header).
const varyHeader = {
	Vary: z
		.string()
		.regex(/(^|,\s*)Accept(\s*,|$)/)
		.meta({ example: "Origin, Accept" }),
};

const index = createRoute({
	method: "get",
	path: "/",
	operationId: "getIndex",
	tags: [DOCS_TAG],
	summary: "Where to start: a browser is sent to the docs, an API client gets links",
	security: [],
	responses: {
		200: {
			description: "Links to the docs, the OpenAPI document, health and API v1",
			headers: z.object(varyHeader),
			content: { "application/json": { schema: LinksSchema } },
		},
		302: {
			description: "To /docs, for a client that prefers HTML (a browser)",
			headers: z.object({ Location: z.literal("/docs").meta({ example: "/docs" }), ...varyHeader }),
		},
	},
});

const docsPage = createRoute({
	method: "get",
	path: "/docs",
	operationId: "getDocs",
	tags: [DOCS_TAG],
	summary: "Interactive API reference (Swagger UI) for /openapi.json",
	security: [],
	// Everything the page loads comes from this origin; the policy makes the
	// browser hold it to that.
	middleware: [
		secureHeaders({
			contentSecurityPolicy: {
				defaultSrc: ["'none'"],
				scriptSrc: ["'self'"],
				styleSrc: ["'self'"],
				imgSrc: ["'self'", "data:"],
				connectSrc: ["'self'"],
				baseUri: ["'none'"],
				formAction: ["'none'"],
				frameAncestors: ["'none'"],
			},
		}),
	] as const,
	responses: {
		200: {
			description: "The page",
			content: {
				"text/html": { schema: z.string(), example: '<!doctype html>\n<html lang="en">…</html>\n' },
			},
		},
	},
});

const docsAsset = createRoute({
	method: "get",
	path: "/docs/{asset}",
	operationId: "getDocsAsset",
	tags: [DOCS_TAG],
	summary: "A script or style sheet of the docs page (static asset)",
	security: [],
	request: {
		params: z.object({
			asset: z.string().meta({
				param: { name: "asset", in: "path" },
				example: "swagger-ui-bundle.js",
			}),
		}),
	},
	responses: {
		200: {
			description: "The file",
			content: {
				"text/javascript": { schema: z.string(), example: "/*! For license information … */\n" },
				"text/css": { schema: z.string(), example: ".swagger-ui{…}\n" },
				"text/plain": { schema: z.string(), example: "/*! swagger-ui … | Apache-2.0 */\n" },
			},
		},
		304: { description: "Not modified since the ETag in If-None-Match" },
		...problemResponses(404),
	},
});

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · ${LINKS.name}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

export const docsRoutes = new OpenAPIHono<AppEnv>();

docsRoutes.openapi(index, (c) => {
	c.header("Vary", "Accept", { append: true });
	const wants = accepts(c, {
		header: "Accept",
		supports: ["application/json", "text/html"],
		default: "application/json",
	});
	if (wants === "text/html") return c.redirect("/docs", 302);
	return c.json(LINKS, 200);
});

docsRoutes.openapi(docsPage, (c) => c.html(PAGE, 200));

docsRoutes.openapi(docsAsset, async (c) => {
	const asset = await c.env.ASSETS.fetch(c.req.raw);
	if (asset.status === 404) {
		throw new ApiError("not_found", `No docs asset ${c.req.valid("param").asset}`);
	}
	// Through the context, so the headers the app's middleware set (request id) join the asset's.
	return c.newResponse(asset.body, asset);
});

import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { BOOKMARK_HEADER, d1Bookmark } from "./middleware/d1-bookmark";
import { requestLog } from "./middleware/request-log";
import { traceContext } from "./middleware/trace-context";
import { templatePattern } from "./path-template";
import { ApiError, asApiError, problem } from "./problems";
import { docsRoutes } from "./routes/docs";
import { healthRoutes } from "./routes/health";
import { registerOpenApiRoute } from "./routes/openapi-document";
import { TUTORIAL_TAG, tutorialRoutes } from "./routes/tutorial";
import { v1Routes } from "./routes/v1";

const MAX_BODY_BYTES = 16 * 1024;

/** The origins in CORS_ORIGINS ("https://a.example, https://b.example"); none when it is empty. */
function allowedOrigins(setting: string): string[] {
	return setting
		.split(",")
		.map((origin) => origin.trim())
		.filter(Boolean);
}

/**
 * Browsers may call the API only from the origins CORS_ORIGINS lists. Tokens
 * travel in the Authorization header, not cookies, so no credentials mode.
 */
const corsForBrowsers = cors({
	origin: (origin, c: Context<AppEnv>) =>
		allowedOrigins(c.env.CORS_ORIGINS).includes(origin) ? origin : null,
	allowMethods: ["GET", "POST", "PUT", "DELETE"],
	allowHeaders: [
		"Authorization",
		"Content-Type",
		"Idempotency-Key",
		"traceparent",
		"x-request-id",
		BOOKMARK_HEADER,
	],
	exposeHeaders: [
		"Location",
		"Retry-After",
		"Idempotent-Replayed",
		"WWW-Authenticate",
		"x-request-id",
		BOOKMARK_HEADER,
	],
	maxAge: 600,
});

/**
 * CORS runs for requests that carry an Origin: browsers send one with every
 * cross-origin request and preflight, and only browsers read CORS headers.
 * Hono's cors writes its headers onto a placeholder response before the
 * route answers, which the route's response must then copy, and appends
 * Vary by copying the response once more: work that buys an API client
 * nothing. Its responses still vary by Origin (through the route's own
 * headers), so no cache hands one of them to a browser.
 */
const browserAccess: MiddlewareHandler<AppEnv> = async (c, next) => {
	if (c.req.header("Origin") !== undefined) return corsForBrowsers(c, next);
	c.header("Vary", "Origin", { append: true });
	await next();
};

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Bodies are read as strict UTF-8, as JSON requires (RFC 8259). The
 * runtime's own decoding turns invalid bytes into U+FFFD, so different bytes
 * would arrive as the same text: two names, one account. The strict text goes
 * into Hono's body cache, where every JSON parser reads it, so a bad byte is
 * malformed JSON to each route, answered in that route's own format. Only
 * requests to a route that takes a body get here (bodyRoutes).
 */
function readStrictUtf8(c: Context<AppEnv>) {
	if (!c.req.raw.body) return;
	const text = c.req.arrayBuffer().then((bytes) => utf8.decode(bytes));
	// The route parses the body, and handles its failure.
	text.catch(() => {});
	// Hono types the cache's entries as values, but stores and awaits promises.
	Object.assign(c.req.bodyCache, { text });
}

/**
 * Whether a request goes to a route that takes a body, as the document lists
 * them (read once, on the first request, when every route is registered).
 * Only those bodies are read, so only those routes can answer 413 or a
 * malformed body; another request's body (a cancel's, an unknown route's)
 * is never read, and the route answers as the document says it does.
 */
function bodyRoutes(app: OpenAPIHono<AppEnv>): (c: Context<AppEnv>) => boolean {
	let routes: { method: string; path: RegExp; tutorial: boolean }[] | undefined;
	return (c) => {
		routes ??= app.openAPIRegistry.definitions.flatMap((definition) =>
			definition.type === "route" && definition.route.request?.body
				? [
						{
							method: definition.route.method.toUpperCase(),
							path: templatePattern(definition.route.path),
							tutorial: definition.route.tags?.includes(TUTORIAL_TAG) ?? false,
						},
					]
				: [],
		);
		// The tutorial's routes take a body only where they are served.
		const served = c.env.SEED_ROUTES === "on";
		return routes.some(
			(route) =>
				route.method === c.req.method && route.path.test(c.req.path) && (served || !route.tutorial),
		);
	};
}

/** The one error handler: every error leaves as a problem document (request-log records it). */
const handleError: ErrorHandler<AppEnv> = (error, c) =>
	problem(c, asApiError(error) ?? new ApiError("internal_error", "An unexpected error occurred"));

export function createApp() {
	const app = new OpenAPIHono<AppEnv>();
	app.use(requestId());
	app.use(traceContext());
	app.use(d1Bookmark());
	app.use(requestLog("gateway"));
	// Outside CORS, which answers preflights itself, so they carry the secure headers too.
	app.use(secureHeaders());
	app.use(browserAccess);
	const takesBody = bodyRoutes(app);
	const limit = bodyLimit({
		maxSize: MAX_BODY_BYTES,
		onError: () => {
			throw new ApiError("payload_too_large", `The body is over ${MAX_BODY_BYTES} bytes`);
		},
	});
	app.use((c, next) =>
		takesBody(c)
			? limit(c, () => {
					readStrictUtf8(c);
					return next();
				})
			: next(),
	);
	app.route("/", tutorialRoutes);
	app.route("/", healthRoutes);
	app.route("/", docsRoutes);
	app.route("/api/v1", v1Routes);
	registerOpenApiRoute(app);
	app.notFound((c) =>
		problem(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}`)),
	);
	app.onError(handleError);
	return app;
}

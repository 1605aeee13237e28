import { OpenAPIHono } from "@hono/zod-openapi";
import type { ErrorHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { type RequestIdVariables, requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { logLine } from "../../../shared/log";
import { requestLog } from "./middleware/request-log";
import { type TraceContextVariables, traceContext } from "./middleware/trace-context";
import { seedRoutes } from "./routes/seed";
import { ServiceUnavailableError } from "./services";

export type AppEnv = {
	Bindings: GatewayEnv;
	Variables: RequestIdVariables & TraceContextVariables;
};

export const MAX_BODY_BYTES = 16 * 1024;
/** Seconds a client should wait before retrying after a 503. */
const RETRY_AFTER_SECONDS = "5";

const handleError: ErrorHandler<AppEnv> = (error, c) => {
	if (error instanceof ServiceUnavailableError) {
		logLine({
			service: "gateway",
			requestId: c.var.requestId,
			level: "warn",
			unavailable: error.service,
			cause: error.cause instanceof Error ? error.cause.message : String(error.cause),
		});
		c.header("Retry-After", RETRY_AFTER_SECONDS);
		return c.json({ error: "Service unavailable" }, 503);
	}
	if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
	logLine({ service: "gateway", requestId: c.var.requestId, level: "error", error: error.message });
	return c.json({ error: "Internal Server Error" }, 500);
};

export function createApp() {
	const app = new OpenAPIHono<AppEnv>();
	app.use(requestId());
	app.use(traceContext());
	app.use(requestLog("gateway"));
	app.use(secureHeaders());
	app.use(
		bodyLimit({
			maxSize: MAX_BODY_BYTES,
			onError: () => {
				throw new HTTPException(413, { message: "Payload Too Large" });
			},
		}),
	);
	app.route("/", seedRoutes);
	app.notFound((c) => c.json({ error: "Not Found" }, 404));
	app.onError(handleError);
	return app;
}

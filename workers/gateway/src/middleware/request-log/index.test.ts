import { Hono } from "hono";
import { type RequestIdVariables, requestId } from "hono/request-id";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, asApiError, problem } from "../../problems";
import { type TraceContextVariables, traceContext } from "../trace-context";
import { requestLog } from ".";

/** An app logging as "test", with routes that succeed, refuse and fail. */
function loggedApp() {
	const app = new Hono<{ Variables: RequestIdVariables & TraceContextVariables }>();
	app.use(requestId());
	app.use(traceContext());
	app.use(requestLog("test"));
	app.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));
	app.get("/refused", () => {
		throw new ApiError("not_found", "No such thing");
	});
	app.get("/unavailable", () => {
		throw new ApiError("service_unavailable", "The user service is unavailable", {
			cause: new Error("connection reset"),
		});
	});
	app.get("/bug", () => {
		throw new TypeError("undefined is not a function");
	});
	app.onError((error, c) =>
		problem(c, asApiError(error) ?? new ApiError("internal_error", "Unexpected")),
	);
	return app;
}

/** The JSON lines logged while `path` is requested. */
async function linesFor(path: string, headers: Record<string, string> = {}) {
	const log = vi.spyOn(console, "log").mockImplementation(() => {});
	await loggedApp().request(path, { headers });
	return log.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("requestLog", () => {
	describe("happy", () => {
		it("logs one line per request: service, ids, method, route pattern, status, duration", async () => {
			const traceparent = `00-${"c".repeat(32)}-${"d".repeat(16)}-01`;
			const lines = await linesFor("/items/42", { "x-request-id": "req-7", traceparent });
			expect(lines).toEqual([
				{
					time: expect.any(String),
					service: "test",
					requestId: "req-7",
					traceId: "c".repeat(32),
					spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
					parentSpanId: "d".repeat(16),
					method: "GET",
					route: "/items/:id",
					status: 200,
					durationMs: expect.any(Number),
				},
			]);
		});
	});

	describe("errors", () => {
		it("records a client error by its status alone", async () => {
			const [line] = await linesFor("/refused");
			expect(line).toMatchObject({ status: 404 });
			expect(line).not.toHaveProperty("error");
		});

		it("records an unavailable service as a warning with its cause", async () => {
			const [line] = await linesFor("/unavailable");
			expect(line).toMatchObject({
				status: 503,
				level: "warn",
				error: "The user service is unavailable",
				cause: "connection reset",
			});
		});

		it("records a bug as an error with its stack, still one line", async () => {
			const lines = await linesFor("/bug");
			expect(lines).toEqual([
				expect.objectContaining({
					status: 500,
					level: "error",
					error: "undefined is not a function",
					stack: expect.stringContaining("TypeError"),
				}),
			]);
		});
	});
});

import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { Span } from "#shared/kit/trace";
import { type TraceContextVariables, traceContext } from ".";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

/** The traceparent the middleware gives a request that arrives with `incoming`. */
async function traceparentFor(incoming?: string) {
	const app = new Hono<{ Variables: TraceContextVariables }>();
	app.use(traceContext());
	app.get("/", (c) => c.json(c.var.span));
	const headers: Record<string, string> = incoming === undefined ? {} : { traceparent: incoming };
	const span = (await (await app.request("/", { headers })).json()) as Span;
	const [, traceId, spanId, flags] = TRACEPARENT.exec(span.traceparent) ?? [];
	expect(span).toMatchObject({ traceId, spanId });
	return { traceparent: span.traceparent, traceId, spanId, flags, parentSpanId: span.parentSpanId };
}

describe("traceContext", () => {
	describe("happy", () => {
		it("continues a valid incoming trace: same trace id and flags, a span of its own under the caller's", async () => {
			const own = await traceparentFor(`00-${TRACE_ID}-${PARENT_ID}-00`);
			expect(own.traceId).toBe(TRACE_ID);
			expect(own.flags).toBe("00");
			expect(own.parentSpanId).toBe(PARENT_ID);
			expect(own.spanId).toMatch(/^[0-9a-f]{16}$/);
			expect(own.spanId).not.toBe(PARENT_ID);
		});

		it("starts a new sampled trace when there is no traceparent", async () => {
			const own = await traceparentFor();
			expect(own.traceparent).toMatch(TRACEPARENT);
			expect(own.traceId).not.toBe("0".repeat(32));
			expect(own.flags).toBe("01");
			expect(own.parentSpanId).toBeUndefined();
		});

		it("gives every request a different trace when none is sent", async () => {
			const [a, b] = await Promise.all([traceparentFor(), traceparentFor()]);
			expect(a.traceId).not.toBe(b.traceId);
		});
	});

	describe("errors", () => {
		it.each([
			["an empty header", ""],
			["upper-case hex", `00-${TRACE_ID.toUpperCase()}-${PARENT_ID}-01`],
			["a short trace id", `00-${TRACE_ID.slice(1)}-${PARENT_ID}-01`],
			["a missing part", `00-${TRACE_ID}-01`],
			["the invalid version ff", `ff-${TRACE_ID}-${PARENT_ID}-01`],
			["trailing text", `00-${TRACE_ID}-${PARENT_ID}-01-extra`],
			["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT_ID}-01`],
			["an all-zero parent id", `00-${TRACE_ID}-${"0".repeat(16)}-01`],
		])("starts a new trace for %s", async (_case, incoming) => {
			const own = await traceparentFor(incoming);
			expect(own.traceparent).toMatch(TRACEPARENT);
			expect(own.traceId).not.toBe(TRACE_ID);
			expect(own.traceId).not.toBe("0".repeat(32));
			expect(own.parentSpanId).toBeUndefined();
		});
	});

	describe("security", () => {
		it("never passes on text from a malformed header", async () => {
			const own = await traceparentFor(`00-${TRACE_ID}-${PARENT_ID}-01, "injected": true`);
			expect(own.traceparent).toMatch(TRACEPARENT);
			expect(own.traceId).not.toBe(TRACE_ID);
			expect(own.traceparent).not.toContain("injected");
		});
	});
});

import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, postJson, signUp, uniqueName } from "#test/requests";

type Line = Record<string, unknown> & { traceId: string; spanId: string; parentSpanId?: string };

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN = "b7ad6b7169203331";

afterEach(() => {
	vi.restoreAllMocks();
});

/** A fresh trace id, so each test reads only its own lines. */
const newTraceId = () => crypto.randomUUID().replaceAll("-", "");

/** The gateway's own lines (its console) and the internal workers' (their tail), once `done` holds. */
async function linesOf(
	traceId: string,
	gatewayLog: { mock: { calls: unknown[][] } },
	done: (lines: Line[]) => boolean,
) {
	return vi.waitFor(
		async () => {
			const internal = (await (
				await env.TEST_LOGS.fetch(`http://logs/?traceId=${traceId}`)
			).json()) as Line[];
			const gateway = gatewayLog.mock.calls
				.map(([line]) => JSON.parse(String(line)) as Line)
				.filter((line) => line.traceId === traceId);
			const lines = [...gateway, ...internal];
			if (!done(lines)) throw new Error(`${lines.length} lines so far`);
			return lines;
		},
		{ timeout: 5_000, interval: 100 },
	);
}

/** The consumer's line for a message on a tasks queue (user id mod 2 picks which: shared/contracts/task-queues.ts). */
const consumedLine = (line: Line) => /^tasks(-\d+)?$/.test(String(line.queue));

/** The one line matching `fields`. */
function only(lines: Line[], fields: Record<string, unknown>): Line {
	const found = lines.filter((line) => Object.entries(fields).every(([k, v]) => line[k] === v));
	expect(found, JSON.stringify(fields)).toHaveLength(1);
	return found[0] as Line;
}

describe("a request's trace", () => {
	describe("happy", () => {
		it("draws one order as a tree across gateway, order worker, Durable Object, user worker and queue consumer", async () => {
			const { headers } = await signUp();
			const traceId = newTraceId();
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const res = await postJson(
				"/api/v1/orders",
				{ items: [{ sku: "traced", quantity: 1 }] },
				{ ...headers, traceparent: `00-${traceId}-${CALLER_SPAN}-01` },
			);
			expect(res.status).toBe(201);
			const lines = await linesOf(traceId, log, (all) => all.some(consumedLine));

			const gateway = only(lines, { service: "gateway", route: "/api/v1/orders" });
			const createOrder = only(lines, { service: "order", rpc: "createOrder" });
			const userCheck = only(lines, { service: "user", rpc: "isValidUser" });
			const bookCreate = only(lines, { service: "order", rpc: "OrderBook.create" });
			const sent = only(lines, { service: "order", send: "order.created" });
			const consumed = only(lines.filter(consumedLine), { service: "user" });

			expect(gateway.parentSpanId).toBe(CALLER_SPAN);
			expect(createOrder.parentSpanId).toBe(gateway.spanId);
			expect(userCheck.parentSpanId).toBe(createOrder.spanId);
			expect(bookCreate.parentSpanId).toBe(createOrder.spanId);
			expect(sent.parentSpanId).toBe(bookCreate.spanId);
			expect(consumed).toMatchObject({ parentSpanId: bookCreate.spanId, status: "ok" });

			const hops = [gateway, createOrder, userCheck, bookCreate, sent, consumed];
			expect(new Set(hops.map((hop) => hop.spanId)).size).toBe(hops.length);
			for (const hop of hops) {
				expect(hop.traceId).toBe(traceId);
				expect(hop.requestId).toBe(gateway.requestId);
			}
		});

		it("draws a registration as a tree down to the welcome it causes", async () => {
			const traceId = newTraceId();
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			await postJson(
				"/api/v1/users",
				{ username: uniqueName("traced"), password: "correct horse battery" },
				{ traceparent: `00-${traceId}-${CALLER_SPAN}-01` },
			);
			const lines = await linesOf(traceId, log, (all) => all.some(consumedLine));
			const gateway = only(lines, { service: "gateway", route: "/api/v1/users" });
			const createUser = only(lines, { service: "user", rpc: "createUser" });
			const sent = only(lines, { service: "user", send: "user.registered" });
			const consumed = only(lines.filter(consumedLine), { service: "user" });
			expect(createUser.parentSpanId).toBe(gateway.spanId);
			expect(sent.parentSpanId).toBe(createUser.spanId);
			expect(consumed.parentSpanId).toBe(createUser.spanId);
		});
	});

	describe("errors", () => {
		it("starts a new trace for a request without a valid traceparent, with no parent", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			await api("/health", { headers: { traceparent: `00-${TRACE_ID}-${"0".repeat(16)}-01` } });
			const [line] = log.mock.calls.map(([l]) => JSON.parse(String(l)) as Line);
			expect(line?.traceId).toMatch(/^[0-9a-f]{32}$/);
			expect(line?.traceId).not.toBe(TRACE_ID);
			expect(line).not.toHaveProperty("parentSpanId");
		});
	});
});

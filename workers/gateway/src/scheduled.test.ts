import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, postJson, signUp } from "#test/requests";
import worker from "./index";

type Line = Record<string, unknown>;

afterEach(() => {
	vi.restoreAllMocks();
});

const controller = () => createScheduledController({ cron: "* * * * *" });

/** The gateway's scheduled handler, as `wrangler dev` calls it for a cron event. */
function runScheduled(bindings: Env = env) {
	return worker.scheduled(controller(), bindings);
}

/** The gateway's own log lines. */
const linesOf = (log: { mock: { calls: unknown[][] } }) =>
	log.mock.calls.map(([line]) => JSON.parse(String(line)) as Line);

/** An env whose user worker's runScheduledWork is `run`. */
function withUserWorker(run: (...args: unknown[]) => Promise<unknown>): Env {
	return { ...env, USER_SERVICE: { runScheduledWork: run } as unknown as Env["USER_SERVICE"] };
}

describe("the gateway's scheduled handler", () => {
	describe("happy", () => {
		it("has the user worker do its scheduled work, in a trace of its own, and logs one line", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const run = vi.fn(async () => ({ redrives: [], relayed: 2, pruned: 3 }));
			await runScheduled(withUserWorker(run));
			expect(run).toHaveBeenCalledExactlyOnceWith({
				requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
				traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
			});
			expect(linesOf(log)).toEqual([
				{
					time: expect.any(String),
					service: "gateway",
					requestId: expect.any(String),
					traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
					spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
					cron: "* * * * *",
					status: "ok",
					durationMs: expect.any(Number),
					redrives: 0,
					relayed: 2,
					pruned: 3,
				},
			]);
		});

		it("re-sends, on a redrive request, what the OrderBooks sent: every order keeps one confirmation", async () => {
			const { headers } = await signUp();
			const traceId = crypto.randomUUID().replaceAll("-", "");
			const traceparent = `00-${traceId}-${"b".repeat(16)}-01`;
			const orders: string[] = [];
			for (const sku of ["redrive-1", "redrive-2"]) {
				const res = await postJson(
					"/api/v1/orders",
					{ items: [{ sku, quantity: 1 }] },
					{ ...headers, traceparent },
				);
				orders.push(((await res.json()) as { id: string }).id);
			}
			const notifications = async () =>
				(
					(await (await api("/api/v1/users/me/notifications", { headers })).json()) as {
						notifications: { kind: string; orderId?: string }[];
					}
				).notifications;
			await vi.waitFor(async () => expect(await notifications()).toHaveLength(3), {
				timeout: 5_000,
			});

			const now = Date.now();
			const request = await env.TEST_USERS_DB_0.prepare(
				"INSERT INTO redrive_requests (since, requested_at) VALUES (?, ?) RETURNING id",
			)
				.bind(now - 5 * 60_000, now)
				.first<{ id: number }>();
			await runScheduled();

			const row = await env.TEST_USERS_DB_0.prepare(
				"SELECT books, order_events, done_at FROM redrive_requests WHERE id = ?",
			)
				.bind(request?.id)
				.first<{ books: number; order_events: number; done_at: number | null }>();
			expect(row?.done_at).not.toBeNull();
			expect(row?.books).toBeGreaterThanOrEqual(1);
			expect(row?.order_events).toBeGreaterThanOrEqual(2);

			// Each order's event was sent twice and consumed twice (the order worker's
			// and the consumer's lines, in the trace of the request that placed it).
			const trace = async () =>
				(await (await env.TEST_LOGS.fetch(`http://logs/?traceId=${traceId}`)).json()) as Line[];
			await vi.waitFor(
				async () => {
					const lines = await trace();
					const sent = lines.filter((line) => line.send === "order.created");
					const consumed = lines.filter((line) => line.queue !== undefined && line.status === "ok");
					expect(sent).toHaveLength(4);
					expect(consumed).toHaveLength(4);
				},
				{ timeout: 5_000, interval: 100 },
			);
			const confirmations = (await notifications()).filter((n) => n.kind === "order_confirmation");
			expect(confirmations.map((n) => n.orderId).sort()).toEqual(orders.sort());
			expect((await notifications()).filter((n) => n.kind === "welcome")).toHaveLength(1);
		});
	});

	describe("errors", () => {
		it("fails, logging the error, when the user worker does", async () => {
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const run = () => Promise.reject(new Error("user.runScheduledWork failed: D1 down"));
			await expect(runScheduled(withUserWorker(run))).rejects.toThrow(/D1 down/);
			expect(linesOf(log)).toEqual([
				expect.objectContaining({
					service: "gateway",
					level: "error",
					status: "failed",
					error: "user.runScheduledWork failed: D1 down",
				}),
			]);
		});
	});
});

import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testCall } from "#test/call-context";
import { OrderService } from "./index";

afterEach(() => {
	vi.restoreAllMocks();
});

describe("the order worker's metrics", () => {
	describe("happy", () => {
		it("writes one data point for the RPC call and one for the Durable Object call it makes", async () => {
			// The OrderBook runs in this isolate with the worker's own bindings.
			const write = vi.spyOn(env.METRICS, "writeDataPoint");
			const service = new OrderService(createExecutionContext(), env);
			await service.ping(testCall());
			expect(write.mock.calls.map(([point]) => point?.blobs)).toEqual([
				["order", "OrderBook.ping", "rpc", "ok", ""],
				["order", "ping", "rpc", "ok", ""],
			]);
		});
	});

	describe("errors", () => {
		it("answers the same when the binding fails", async () => {
			vi.spyOn(env.METRICS, "writeDataPoint").mockImplementation(() => {
				throw new Error("Analytics Engine unavailable");
			});
			const service = new OrderService(createExecutionContext(), env);
			expect(await service.ping(testCall())).toBe(true);
		});
	});
});

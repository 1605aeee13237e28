import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { failingMetrics, spyMetrics } from "#test/metrics";
import { bearer, signUp } from "#test/requests";
import { createApp } from "./app";

// Straight to the app, not through appRequest: its contract check makes a
// request of its own, which would write a data point of its own.
const request = (path: string, init: RequestInit, bindings: Env) =>
	createApp().request(path, init, bindings);

const placeOrder = (bindings: Env, headers: Record<string, string>) =>
	request(
		"/api/v1/orders",
		{
			method: "POST",
			headers: { "Content-Type": "application/json", ...headers },
			body: JSON.stringify({ items: [{ sku: "metered", quantity: 1 }] }),
		},
		bindings,
	);

describe("the gateway's metrics", () => {
	describe("happy", () => {
		it("writes exactly one data point per request: service, route, kind, status class, duration", async () => {
			const metrics = spyMetrics();
			await request("/health", {}, { ...env, METRICS: metrics.dataset });
			await request("/api/v1/orders/not-an-id", {}, { ...env, METRICS: metrics.dataset });
			expect(metrics.points()).toEqual([
				{
					indexes: ["gateway:GET /health"],
					blobs: ["gateway", "GET /health", "request", "2xx", ""],
					doubles: [expect.any(Number)],
				},
				{
					indexes: ["gateway:GET /api/v1/orders/:id"],
					blobs: ["gateway", "GET /api/v1/orders/:id", "request", "4xx", ""],
					doubles: [expect.any(Number)],
				},
			]);
		});

		it("marks an idempotent replay", async () => {
			const { headers } = await signUp();
			const metrics = spyMetrics();
			const keyed = { ...headers, "Idempotency-Key": "metered-1" };
			await placeOrder({ ...env, METRICS: metrics.dataset }, keyed);
			await placeOrder({ ...env, METRICS: metrics.dataset }, keyed);
			expect(metrics.points().map((point) => point?.blobs?.[4])).toEqual(["", "replay"]);
		});
	});

	describe("errors", () => {
		it("never changes a response when the binding fails", async () => {
			const { token } = await signUp();
			const broken = { ...env, METRICS: failingMetrics() };
			const placed = await placeOrder(broken, bearer(token));
			expect(placed.status).toBe(201);
			const listed = await request("/api/v1/orders", { headers: bearer(token) }, broken);
			expect(listed.status).toBe(200);
			expect(((await listed.json()) as { orders: unknown[] }).orders).toHaveLength(1);
		});
	});
});

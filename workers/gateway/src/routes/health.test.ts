import { describe, expect, it } from "vitest";
import { api, appRequest, envWithBroken } from "#test/requests";

describe("GET /health", () => {
	describe("happy", () => {
		it("is 200 with each service's status and latency when both answer", async () => {
			const res = await api("/health");
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({
				status: "ok",
				services: {
					user: { status: "ok", latencyMs: expect.any(Number) },
					order: { status: "ok", latencyMs: expect.any(Number) },
				},
			});
		});
	});

	describe("errors", () => {
		it("is 503 degraded, naming the failing service, when one fails", async () => {
			const res = await appRequest("/health", {}, envWithBroken("ORDER_SERVICE", "throws"));
			expect(res.status).toBe(503);
			expect(res.headers.get("retry-after")).toBe("5");
			expect(await res.json()).toMatchObject({
				status: "degraded",
				services: { user: { status: "ok" }, order: { status: "unavailable" } },
			});
		});

		it("reports a worker that never answers unavailable within the 2-second ping limit", async () => {
			const started = Date.now();
			const res = await appRequest("/health", {}, envWithBroken("USER_SERVICE", "hangs"));
			expect(res.status).toBe(503);
			expect(await res.json()).toMatchObject({ services: { user: { status: "unavailable" } } });
			expect(Date.now() - started).toBeLessThan(3_000);
		});
	});
});

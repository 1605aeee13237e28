import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api } from "../../../../test/gateway";
import { createApp } from "../app";

describe("GET /health", () => {
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

	it("is 503 degraded, naming the failing service, when one fails", async () => {
		const failing = {
			...env,
			ORDER_SERVICE: {
				ping: () => Promise.reject(new Error("down")),
			} as unknown as typeof env.ORDER_SERVICE,
		};
		const res = await createApp().request("/health", {}, failing);
		expect(res.status).toBe(503);
		expect(res.headers.get("retry-after")).toBe("5");
		expect(await res.json()).toMatchObject({
			status: "degraded",
			services: { user: { status: "ok" }, order: { status: "unavailable" } },
		});
	});
});

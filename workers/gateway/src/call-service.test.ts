import { describe, expect, it } from "vitest";
import { callService } from "./call-service";
import { ApiError } from "./problems";

describe("callService", () => {
	describe("happy", () => {
		it("returns what the service returns", async () => {
			expect(await callService("user", async () => 42)).toBe(42);
		});
	});

	describe("errors", () => {
		it("turns a service that never answers into a 503 problem", async () => {
			const never = () => new Promise<never>(() => {});
			const error = await callService("order", never, 20).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(ApiError);
			expect(error).toMatchObject({ code: "service_unavailable" });
		});

		it("turns a thrown error into a 503 problem, keeping the cause", async () => {
			const cause = new Error("boom");
			const error = await callService("user", () => Promise.reject(cause)).catch((e: unknown) => e);
			expect(error).toMatchObject({ code: "service_unavailable", cause });
		});
	});
});

import { describe, expect, it } from "vitest";
import { callService, ServiceUnavailableError } from "./services";

describe("callService", () => {
	it("returns what the service returns", async () => {
		expect(await callService("user", async () => 42)).toBe(42);
	});

	it("turns a service that never answers into ServiceUnavailableError", async () => {
		const never = () => new Promise<never>(() => {});
		const error = await callService("order", never, 20).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ServiceUnavailableError);
		expect(error).toMatchObject({ service: "order" });
	});

	it("turns a thrown error into ServiceUnavailableError, keeping the cause", async () => {
		const cause = new Error("boom");
		const error = await callService("user", () => Promise.reject(cause)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ServiceUnavailableError);
		expect(error).toMatchObject({ cause });
	});
});

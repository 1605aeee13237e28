import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "#test/call-context";
import { OrderService } from "./index";

describe("OrderService.ping", () => {
	describe("happy", () => {
		it("answers when a Durable Object answers from its storage", async () => {
			expect(await new OrderService(createExecutionContext(), env).ping(testCall())).toBe(true);
		});
	});

	describe("errors", () => {
		it("fails when Durable Objects fail, as every order call would", async () => {
			const failing = () => Promise.reject(new Error("Durable Object storage failed"));
			const brokenBooks = {
				getByName: () => ({ ping: failing }),
			} as unknown as Env["ORDER_BOOK"];
			const service = new OrderService(createExecutionContext(), {
				...env,
				ORDER_BOOK: brokenBooks,
			});
			await expect(service.ping(testCall())).rejects.toThrow(/storage failed/);
		});
	});
});

import { describe, expect, it, vi } from "vitest";
import { isRetryable, retryReadOnce } from "./retry";

const flagged = (flags: { retryable?: boolean; overloaded?: boolean }) =>
	Object.assign(new Error("Durable Object error"), flags);

describe("isRetryable", () => {
	describe("happy", () => {
		it.each([
			["a Durable Object error marked retryable", flagged({ retryable: true })],
			["D1's lost connection", new Error("D1_ERROR: Network connection lost.")],
			[
				"an object reset by a deploy",
				new Error("Durable Object reset because its code was updated."),
			],
		])("is true for %s", (_case, error) => {
			expect(isRetryable(error)).toBe(true);
		});
	});

	describe("errors", () => {
		it.each([
			[
				"an overloaded object, even when marked retryable",
				flagged({ retryable: true, overloaded: true }),
			],
			["a constraint violation", new Error("UNIQUE constraint failed: users.username_key")],
			["a thrown string", "boom"],
		])("is false for %s", (_case, error) => {
			expect(isRetryable(error)).toBe(false);
		});
	});
});

describe("retryReadOnce", () => {
	describe("happy", () => {
		it("returns the second answer after one retryable failure", async () => {
			const read = vi
				.fn()
				.mockRejectedValueOnce(flagged({ retryable: true }))
				.mockResolvedValue(42);
			expect(await retryReadOnce(read)).toBe(42);
			expect(read).toHaveBeenCalledTimes(2);
		});
	});

	describe("errors", () => {
		it("gives up after the second failure, and at once on an error that says not to retry", async () => {
			const twice = vi.fn().mockRejectedValue(flagged({ retryable: true }));
			await expect(retryReadOnce(twice)).rejects.toThrow();
			expect(twice).toHaveBeenCalledTimes(2);
			const overloaded = vi.fn().mockRejectedValue(flagged({ retryable: true, overloaded: true }));
			await expect(retryReadOnce(overloaded)).rejects.toThrow();
			expect(overloaded).toHaveBeenCalledTimes(1);
		});
	});
});

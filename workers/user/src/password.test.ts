import { describe, expect, it } from "vitest";
import { DECOY_HASH, hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "./password";

describe("hashPassword and verifyPassword", () => {
	describe("happy", () => {
		it("verifies the right password and rejects a wrong one", async () => {
			const stored = await hashPassword("pass123");
			expect(await verifyPassword("pass123", stored)).toBe(true);
			expect(await verifyPassword("pass124", stored)).toBe(false);
		});
	});

	describe("errors", () => {
		it("rejects a stored value it cannot read", async () => {
			expect(await verifyPassword("pass123", "plaintext")).toBe(false);
		});
	});

	describe("security", () => {
		it("stays within Cloudflare's PBKDF2 limit of 100,000 iterations", async () => {
			expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
			const [, iterations] = (await hashPassword("pass123")).split("$");
			expect(Number(iterations)).toBe(PBKDF2_ITERATIONS);
		});

		it("stores scheme, iterations, salt and hash, never the password", async () => {
			const stored = await hashPassword("correct horse");
			expect(stored).toMatch(/^pbkdf2-sha256\$\d+\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
			expect(stored).not.toContain("correct horse");
		});

		it("salts every hash, so equal passwords hash differently", async () => {
			expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
		});

		it("has a decoy hash with today's parameters, so verifying against it costs what a real hash costs", () => {
			expect(DECOY_HASH.split("$").slice(0, 2)).toEqual([
				"pbkdf2-sha256",
				String(PBKDF2_ITERATIONS),
			]);
		});
	});
});

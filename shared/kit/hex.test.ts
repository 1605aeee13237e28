import { describe, expect, it } from "vitest";
import { randomHex, toHex } from "./hex";

describe("toHex", () => {
	describe("happy", () => {
		it("writes each byte as two lower-case digits, leading zeros kept", () => {
			expect(toHex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe("00010f10abff");
			expect(toHex(new ArrayBuffer(0))).toBe("");
		});

		it("writes a SHA-256 digest as it is usually written", async () => {
			const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
			expect(toHex(digest)).toBe(
				"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			);
		});
	});
});

describe("randomHex", () => {
	describe("happy", () => {
		it("gives the asked number of random bytes as hex, different each time", () => {
			const ids = new Set(Array.from({ length: 100 }, () => randomHex(8)));
			expect(ids.size).toBe(100);
			for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
		});
	});
});

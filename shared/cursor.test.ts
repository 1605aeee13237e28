import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

describe("encodeCursor and decodeCursor", () => {
	describe("happy", () => {
		it("round-trip a position in a list", () => {
			expect(decodeCursor("o", encodeCursor("o", 42))).toBe(42);
		});
	});

	describe("errors", () => {
		it.each([
			["not base64", "%%%"],
			["not a position", btoa("o:abc")],
			["another list's cursor", encodeCursor("n", 42)],
			["a position past 2^53", btoa("o:9999999999999999")],
		])("refuse a cursor that is %s", (_case, cursor) => {
			expect(decodeCursor("o", cursor)).toBeNull();
		});
	});
});

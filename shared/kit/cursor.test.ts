import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, pageOf } from "./cursor";

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

describe("pageOf", () => {
	const rows = (...seqs: number[]) => seqs.map((seq) => ({ seq }));

	it("shows `limit` rows and points past the last one when a row is left over", () => {
		const page = pageOf("o", rows(9, 8, 7), 2);
		expect(page.shown).toEqual(rows(9, 8));
		expect(page.nextCursor && decodeCursor("o", page.nextCursor)).toBe(8);
	});

	it("has no next page when nothing is left over", () => {
		expect(pageOf("o", rows(9, 8), 2)).toEqual({ shown: rows(9, 8), nextCursor: null });
		expect(pageOf("o", [], 2)).toEqual({ shown: [], nextCursor: null });
	});
});

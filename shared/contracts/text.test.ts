import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { characters, lengthBetween, PRINTABLE, printable } from "./text";

/** What a case names, the rule it tries, and the text. */
type Case = [string, z.ZodString, string];

const password = lengthBetween(8, 128);
const sku = printable(1, 64);

describe("text rules", () => {
	describe("happy", () => {
		it("counts characters as JSON Schema does: code points, a lone surrogate as one", () => {
			expect(["abc", "😀", "\uD800x", "e\u0301"].map(characters)).toEqual([3, 1, 2, 2]);
		});

		it.each<Case>([
			["8 emoji as a password (16 UTF-16 units)", password, "😀".repeat(8)],
			["128 emoji as a password", password, "😀".repeat(128)],
			["a SKU in any script, with spaces inside", sku, "两本书 Ünïcode ✓"],
			["64 emoji as a SKU", sku, "😀".repeat(64)],
		])("takes %s", (_case, rule, text) => {
			expect(rule.safeParse(text).success).toBe(true);
		});
	});

	describe("errors", () => {
		it.each<Case>([
			["7 emoji as a password (14 UTF-16 units)", password, "😀".repeat(7)],
			["129 emoji as a password", password, "😀".repeat(129)],
			["65 emoji as a SKU", sku, "😀".repeat(65)],
			...[
				"a\u202Eb",
				"a\u200Bb",
				"\uFEFF",
				"a\u0000",
				"\t",
				"a\u2028",
				"\uD800",
				"   ",
				"\u3000",
				"",
			].map((text): Case => [`${JSON.stringify(text)} as a SKU`, sku, text]),
		])("refuses %s", (_case, rule, text) => {
			expect(rule.safeParse(text).success).toBe(false);
		});
	});

	describe("security", () => {
		it("decides in linear time: a body-sized field that fails at its end costs no more than a short one", () => {
			const longest = 16 * 1024;
			for (const text of [`${"a".repeat(longest)}\u2028`, `${"a ".repeat(longest / 2)}\u0001`]) {
				const started = performance.now();
				expect(PRINTABLE.test(text)).toBe(false);
				// A backtracking pattern took 2.4 s here; a linear one well under 1 ms.
				expect(performance.now() - started).toBeLessThan(250);
			}
		});
	});
});

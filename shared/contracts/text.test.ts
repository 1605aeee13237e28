import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { characters, lengthBetween, printable } from "./text";

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
});

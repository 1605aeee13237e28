import { z } from "zod";

/**
 * Text rules that the gateway enforces and the OpenAPI document states in
 * the same terms, so that a client validating against the document accepts
 * exactly what the gateway does:
 *
 * - Lengths count characters (code points) as JSON Schema's minLength and
 *   maxLength do, not UTF-16 units as String#length and zod's min/max do:
 *   an emoji is one character, not two.
 * - Patterns are ECMA-262 regular expressions with the `u` flag, as JSON
 *   Schema 2020-12 (section 6.4, the dialect of OpenAPI 3.1) has validators
 *   build them, and as ajv and Redocly do: `\p{...}` is a Unicode property
 *   in the document just as in the gateway. The document holds the
 *   pattern's source; zod-to-openapi would write a flagged pattern as
 *   `^...$/u`, so `matching` states it itself.
 */

/** A string's length in characters (code points; a lone surrogate is one), as JSON Schema counts it. */
export function characters(value: string): number {
	let count = 0;
	for (const _ of value) count += 1;
	return count;
}

/**
 * A string of `min` to `max` characters, counted as JSON Schema counts them.
 * `error`, if given, is the message for anything else (a number, an array, a
 * string too short or too long).
 */
export function lengthBetween(min: number, max: number, error?: string): z.ZodString {
	return z
		.string(error === undefined ? undefined : { error })
		.refine((value) => {
			const length = characters(value);
			return length >= min && length <= max;
		}, error ?? `must be ${min}-${max} characters`)
		.meta({ minLength: min, maxLength: max });
}

/** `text` that must match `pattern` (a `u` regex or one meaning the same with it), the pattern documented as such. */
function matching(text: z.ZodString, pattern: RegExp, rule: string): z.ZodString {
	return text.regex(pattern, rule).meta({ pattern: pattern.source });
}

/**
 * Printable text: no control, format (bidi overrides such as U+202E,
 * zero-width characters), surrogate, private-use or unassigned characters,
 * no line or paragraph separators, and not blank: at least one character
 * that is not a space (among the characters admitted, JavaScript's `\s` is
 * exactly the space separators, `\p{Zs}`). Written without a lookahead, so
 * validators whose regex engines have Unicode classes but no lookaround (RE2,
 * Rust's regex) read it too. The leading spaces and the first other
 * character are disjoint classes, so a backtracking engine tries one split
 * only: time linear in the text (overlapping classes there cost seconds of
 * CPU on a 16 KiB field).
 */
export const PRINTABLE = /^\p{Zs}*[^\p{C}\p{Z}][^\p{C}\p{Zl}\p{Zp}]*$/u;

/** Printable text (see PRINTABLE) of `min` to `max` characters. */
export function printable(min: number, max: number): z.ZodString {
	return matching(
		lengthBetween(min, max),
		PRINTABLE,
		"must be printable characters, not blank",
	).meta({
		description:
			`${min}-${max} printable characters, not blank: no control or format characters (such as ` +
			"U+202E or zero-width spaces), no surrogate, private-use or unassigned code points, no line " +
			"or paragraph separators, and not only spaces. The pattern says exactly this with Unicode " +
			"properties (`\\p{C}`: other, `\\p{Z}`: separators, `\\p{Zl}`/`\\p{Zp}`: line/paragraph " +
			"separators); which code points are unassigned follows the Unicode version of the " +
			"regex engine (the gateway's is V8's).",
	});
}

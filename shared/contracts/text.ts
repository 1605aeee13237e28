import type { z } from "zod";

/**
 * Printable text: no control, format (bidi overrides such as U+202E,
 * zero-width characters), surrogate, private-use or unassigned characters,
 * no line or paragraph separators, and not blank.
 */
export const PRINTABLE = /^(?=.*\S)[^\p{C}\p{Zl}\p{Zp}]+$/u;
const RULE = "must be printable characters, not blank";

/**
 * A string schema that admits printable text only. The rule needs the regex
 * `u` flag, which an OpenAPI pattern cannot carry (the document holds only a
 * pattern's source, and `\p{...}` means nothing without the flag), so the
 * document states the part a pattern can, no control characters, and
 * describes the rest; the gateway checks all of it.
 */
export function printable(text: z.ZodString): z.ZodString {
	return (
		text
			// biome-ignore lint/suspicious/noControlCharactersInRegex: excluding them is the point.
			.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, RULE)
			.refine((value) => PRINTABLE.test(value), RULE)
			.meta({
				description:
					"Printable characters, not blank: no control or format characters (such as U+202E " +
					"or zero-width spaces), no private-use or unassigned code points, no line separators.",
			})
	);
}

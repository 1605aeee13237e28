/**
 * Printable text: no control, format (bidi overrides such as U+202E,
 * zero-width characters), surrogate, private-use or unassigned characters,
 * no line or paragraph separators, and not blank.
 */
export const PRINTABLE = /^(?=.*\S)[^\p{C}\p{Zl}\p{Zp}]+$/u;

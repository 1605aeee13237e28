/**
 * Hostile input for the gateway's tests: bodies no well-behaved client sends.
 */

/** Byte sequences no UTF-8 text holds: a stray byte, an overlong NUL, a surrogate, a cut-off character. */
export const INVALID_UTF8: readonly (readonly number[])[] = [
	[0xff],
	[0xc0, 0x80],
	[0xed, 0xa0, 0x80],
	[0xe2, 0x82],
];

/** `json` encoded as UTF-8, with `bytes` in place of its one "\uFFFD". */
export function withBytes(json: string, bytes: readonly number[]): Uint8Array {
	const [before = "", after = ""] = json.split("\uFFFD");
	const encoder = new TextEncoder();
	return new Uint8Array([...encoder.encode(before), ...bytes, ...encoder.encode(after)]);
}

/**
 * Hostile input for the gateway's tests: what an attacker types into any
 * field, and bodies no well-behaved client sends. The attack tests use each
 * one on purpose; the property-based test draws from them.
 */

/** SQL and path injection: each must be stored literally or refused, never run or followed. */
export const INJECTIONS = [
	"' OR '1'='1",
	"'; DROP TABLE users; --",
	'" OR ""="',
	"1; DELETE FROM orders",
	"1 UNION SELECT password_hash FROM users",
	"admin'--",
	"%' AND 1=1 --",
	"../../../../etc/passwd",
	"..%2F..%2Fusers",
	"%2e%2e%2f%2e%2e%2f",
	"..\\..\\windows\\win.ini",
	"%00",
	"{{7*7}}",
	"<script>alert(1)</script>",
] as const;

/** Byte sequences no UTF-8 text holds: a stray byte, an overlong NUL, a surrogate, a cut-off character. */
export const INVALID_UTF8: readonly (readonly number[])[] = [
	[0xff],
	[0xc0, 0x80],
	[0xed, 0xa0, 0x80],
	[0xe2, 0x82],
];

/** `json` encoded as UTF-8, with `bytes` in place of its first "\uFFFD". */
export function withBytes(json: string, bytes: readonly number[]): Uint8Array {
	const at = json.indexOf("\uFFFD");
	const encoder = new TextEncoder();
	return new Uint8Array([
		...encoder.encode(json.slice(0, at)),
		...bytes,
		...encoder.encode(json.slice(at + 1)),
	]);
}

/** JSON arrays nested `depth` deep, as text: `[[[...]]]`. */
export function nestedArrays(depth: number): string {
	return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

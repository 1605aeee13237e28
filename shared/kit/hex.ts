// Every byte's two hex digits, built once: trace and span ids are written
// on every hop of every request.
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lower-case hex of bytes, as W3C trace ids and SHA-256 fingerprints are written. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
	let hex = "";
	for (const byte of new Uint8Array(bytes)) hex += BYTE_HEX[byte];
	return hex;
}

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
	return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

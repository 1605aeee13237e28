/** Lower-case hex of bytes, as W3C trace ids and SHA-256 fingerprints are written. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
	return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
	return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

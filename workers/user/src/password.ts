/**
 * PBKDF2-HMAC-SHA256 through WebCrypto. The parameters are stored with each
 * hash so the count can be raised later without breaking old hashes.
 * Cloudflare refuses PBKDF2 above 100,000 iterations, so that is the ceiling.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256";

const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array {
	return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, [
		"deriveBits",
	]);
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BITS,
	);
	return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, PBKDF2_ITERATIONS);
	return [SCHEME, PBKDF2_ITERATIONS, toBase64(salt), toBase64(hash)].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, iterations, salt, hash] = stored.split("$");
	if (scheme !== SCHEME || !iterations || !salt || !hash) return false;
	const expected = fromBase64(hash);
	const actual = await derive(password, fromBase64(salt), Number(iterations));
	return (
		actual.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(actual, expected)
	);
}

/**
 * The hash of a random, discarded password, with today's parameters. Logins
 * for unknown usernames verify against it, so they cost the same PBKDF2 work
 * as a wrong password. Kept in sync with PBKDF2_ITERATIONS by a test.
 */
export const DECOY_HASH =
	"pbkdf2-sha256$100000$vtZz+7Ph+MS3/98oMRLNXQ==$ylqQ+370LClI3Zl/xFAfsurGN4BWTTPV+mUR5svyhU0=";

// The cost of the password hash alone, beside the login it dominates: the same
// PBKDF2-HMAC-SHA256 derivation, 100,000 iterations through WebCrypto, that
// workers/user/src/password.ts runs for every login. Nothing else.
const encoder = new TextEncoder();
const ITERATIONS = 100_000;

export default {
	async fetch() {
		const key = await crypto.subtle.importKey(
			"raw",
			encoder.encode("correct horse battery"),
			"PBKDF2",
			false,
			["deriveBits"],
		);
		const salt = crypto.getRandomValues(new Uint8Array(16));
		await crypto.subtle.deriveBits(
			{ name: "PBKDF2", hash: "SHA-256", salt, iterations: ITERATIONS },
			key,
			256,
		);
		return new Response("derived");
	},
};

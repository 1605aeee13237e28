import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { UserConsoleLog } from "vitest";
import type { Reporter } from "vitest/node";

/**
 * The check that no log line written during a test run holds a password,
 * hash or token (docs/API.md, "Tokens and passwords"). It sees every line: the
 * test runners' console (where the gateway and, in their own projects, the
 * user and order workers log) through `onUserConsoleLog`, which Vitest calls
 * for passing tests too (its `onConsoleLog` option only sees the lines it
 * is about to print, with `silent: "passed-only"` those of failing tests),
 * and the internal workers' lines through WorkerLogs. A line that leaks
 * fails the run.
 */

/** Secrets recognised by their shape, whoever made them. */
const SHAPES: [string, RegExp][] = [
	["a PBKDF2 hash", /pbkdf2-sha256\$/],
	// A JWS: base64url JSON header (`{"` encodes as `eyJ`), payload, signature (empty for alg none).
	["a JWT", /eyJ[\w-]*\.[\w-]+\.[\w-]*/],
	[
		"a secret's field",
		/"(?:password|passwordHash|password_hash|currentPassword|newPassword|tkey|tokenKey|token_key|accessToken|refreshToken|refreshHash|refresh_hash|JWT_SECRET|JWT_PREVIOUS_SECRET)"\s*:/i,
	],
];

// A user's token key is 32 hex digits, as are the ids lines carry by name:
// W3C trace ids (in every line) and queue message ids.
const NAMED_IDS =
	/"(?:traceId|messageId)":"[0-9a-f]{32}"|\b00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}\b/g;
const TOKEN_KEY = /(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/;

/** What `line` leaks, if anything: the kind of secret and the text that gives it away. */
export function leakIn(
	line: string,
	secrets: readonly string[],
): { what: string; text: string } | null {
	for (const [what, shape] of SHAPES) {
		const text = shape.exec(line)?.[0];
		if (text) return { what, text };
	}
	const text = TOKEN_KEY.exec(line.replace(NAMED_IDS, ""))?.[0];
	if (text) return { what: "a token key", text };
	const secret = secrets.find((candidate) => line.includes(candidate));
	return secret ? { what: "a password or signing secret of the tests", text: secret } : null;
}

// Passwords (`password: "..."`, `PASSWORD = "..."`, `hashPassword("...")`,
// the second argument of the tests' `register(name, "...")` and `login(name,
// "...")`) and signing secrets (`secret: "..."`) written in the tests.
// Shorter literals ("y", "same") are words a log line may hold for other reasons.
const SECRET_LITERALS = [
	/password"?\s*[:=]\s*"([^"]{6,})"/gi,
	/(?:hash|verify)Password\(\s*"([^"]{6,})"/g,
	/\b(?:register|login)\([^,()]+,\s*"([^"]{6,})"/g,
	/secret\w*"?\s*[:=]\s*"([^"]{16,})"/gi,
];

function testSources(dir: string): string[] {
	return readdirSync(dir, { recursive: true, encoding: "utf8" })
		.filter((file) => file.endsWith(".ts") && !file.includes("node_modules"))
		.map((file) => path.join(dir, file));
}

/** The passwords and signing secrets the tests under `root` write as literals. */
export function secretsOfTests(root: string): string[] {
	const files = ["workers", "shared", "test"]
		.flatMap((dir) => testSources(path.join(root, dir)))
		.filter((file) => file.endsWith(".test.ts") || file.includes(`${path.sep}test${path.sep}`));
	const found = files.flatMap((file) => {
		const source = readFileSync(file, "utf8");
		return SECRET_LITERALS.flatMap((literal) =>
			[...source.matchAll(literal)].map((match) => match[1] ?? ""),
		);
	});
	return [...new Set(found)];
}

/** A Vitest reporter that fails the run when a log line holds a secret, and says which. */
export class LogLeaks implements Reporter {
	private leaks: string[] = [];

	private readonly secrets: string[];

	/** `secrets`: strings no line may hold; unset ones (an environment variable not set) are left out. */
	constructor(secrets: readonly (string | undefined)[]) {
		this.secrets = secrets.filter((secret): secret is string => Boolean(secret));
	}

	/** Checks one line (or chunk of lines) of `source`. */
	inspect(line: string, source: string): void {
		const leak = leakIn(line, this.secrets);
		if (!leak) return;
		// The report names the secret's kind in its place, so the report does not leak it again.
		const shown = line.trim().replaceAll(leak.text, `<${leak.what}>`);
		this.leaks.push(`${source}: ${shown}`);
	}

	onUserConsoleLog(log: UserConsoleLog): void {
		this.inspect(log.content, "test runner");
	}

	onTestRunEnd(): void {
		if (this.leaks.length > 0) {
			process.exitCode = 1;
			process.stderr.write(
				`\nFAIL: ${this.leaks.length} log line(s) hold a password, hash or token:\n${this.leaks.join("\n")}\n`,
			);
		}
		this.leaks = [];
	}
}

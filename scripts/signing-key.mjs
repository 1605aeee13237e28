// `npm run signing-key -- <init|rotate|finish> (--local | --file PATH)`: the
// gateway's token signing key (docs/OPERATIONS.md, "Rotating the signing key"). --local
// edits .dev.vars, which `npm run dev` reads. --file edits a JSON file, the
// only readable copy of the production secrets (Workers secrets cannot be
// read back, and a rotation needs the old one), then updates the deployed
// gateway's secrets with wrangler. No secret value is ever printed.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { workerConfigs, wrangler } from "./wrangler.mjs";

const USAGE = `usage: npm run signing-key -- <command> (--local | --file PATH)
  rotate --local      .dev.vars: a new JWT_SECRET; the old one still verifies its tokens for 15 minutes
  finish --local      .dev.vars: the old one no longer verifies anything
  init --file PATH    production: a new JWT_SECRET, saved in PATH (a new file, mode 0600), then uploaded
  rotate --file PATH  production: as rotate --local, saved in PATH first, then uploaded
  finish --file PATH  production: the old one deleted from the gateway's secrets, then from PATH`;

const DEV_VARS = ".dev.vars";
const PREVIOUS = "JWT_PREVIOUS_SECRET";
const RETIRED_AT = "JWT_PREVIOUS_SECRET_RETIRED_AT";
/** One access token lifetime (TOKEN_TTL_SECONDS, workers/gateway/src/auth/tokens.ts). */
const GRACE_MS = 15 * 60 * 1000;
const PRODUCTION = ["-c", workerConfigs.gateway, "--env", "production"];

/** @param {string} [problem] @returns {never} */
function usage(problem) {
	if (problem) console.error(problem);
	console.error(USAGE);
	process.exit(1);
}

/** @param {string} message @returns {never} */
function fail(message) {
	console.error(message);
	process.exit(1);
}

const [command, where, path, ...extra] = process.argv.slice(2);
if (command !== "init" && command !== "rotate" && command !== "finish") usage();
if (where === "--local") {
	if (command === "init") usage("init is for production; `npm run dev` writes a local JWT_SECRET.");
	if (path !== undefined) usage(`unexpected argument: ${path}`);
} else if (where !== "--file" || !path || path.startsWith("-") || extra.length > 0) {
	usage();
}
const file = where === "--file" ? /** @type {string} */ (path) : null;
const source = file ?? DEV_VARS;

/** @typedef {Record<string, string>} Secrets */

const newSecret = () => randomBytes(32).toString("base64url");

/** @param {Secrets} secrets @returns {Secrets} */
function rotated(secrets) {
	if (Buffer.byteLength(secrets.JWT_SECRET ?? "") < 32) {
		fail(
			`${source} has no JWT_SECRET of 32 bytes or more${file ? "" : ": run `npm run dev` once first"}.`,
		);
	}
	if (secrets[PREVIOUS]) {
		fail(
			`A rotation is under way in ${source} (since ${secrets[RETIRED_AT] || "an unknown time"}): ` +
				`finish it first, 15 minutes after it began.${
					file
						? ` If its upload failed, upload the file again: npx wrangler secret bulk ${file} ${PRODUCTION.join(" ")}`
						: ""
				}`,
		);
	}
	return {
		...secrets,
		JWT_SECRET: newSecret(),
		[PREVIOUS]: /** @type {string} */ (secrets.JWT_SECRET),
		[RETIRED_AT]: new Date().toISOString(),
	};
}

/** Whether a rotation is under way; says so if not, and if finishing now cuts its grace short. @param {Secrets} secrets */
function finishable(secrets) {
	if (!secrets[PREVIOUS] && !secrets[RETIRED_AT]) {
		console.log(`No rotation under way in ${source}: nothing to finish.`);
		return false;
	}
	const left = Date.parse(secrets[RETIRED_AT] ?? "") + GRACE_MS - Date.now();
	if (left > 0) {
		console.log(
			`Note: ${Math.ceil(left / 60000)} min of the grace were left; tokens the previous key signed are refused from now (their holders log in again).`,
		);
	}
	return true;
}

/** @param {string} key */
const lineOf = (key) => new RegExp(`^${key}=(.*)$`, "m");

if (!file) {
	// .dev.vars: KEY=value lines; other lines are kept as they are.
	let text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
	/** @type {Secrets} */
	const secrets = {};
	for (const key of ["JWT_SECRET", PREVIOUS, RETIRED_AT]) {
		secrets[key] =
			lineOf(key)
				.exec(text)?.[1]
				?.replace(/^"(.*)"$/, "$1") ?? "";
	}
	/** @param {Secrets} next */
	const write = (next) => {
		for (const [key, value] of Object.entries(next)) {
			const line = `${key}=${value}`;
			text = lineOf(key).test(text)
				? text.replace(lineOf(key), () => line)
				: `${text}${text && !text.endsWith("\n") ? "\n" : ""}${line}\n`;
		}
		writeFileSync(DEV_VARS, text, { mode: 0o600 });
		chmodSync(DEV_VARS, 0o600);
	};
	if (command === "rotate") {
		write(rotated(secrets));
		console.log(
			`Rotated the signing key in ${DEV_VARS}. Restart \`npm run dev\` (it reads ${DEV_VARS} when it starts). ` +
				"Tokens the old key signed stay valid for 15 minutes; after that: npm run signing-key -- finish --local, and restart again.",
		);
	} else if (finishable(secrets)) {
		write({ [PREVIOUS]: "", [RETIRED_AT]: "" });
		console.log(`Finished the rotation in ${DEV_VARS}. Restart \`npm run dev\`.`);
	}
} else {
	const keep = `${file} is the only readable copy of the gateway's signing secret (Workers secrets cannot be read back; the next rotation needs it): keep it in a password manager or secret store, never in the repository.`;
	/** Replaces the file whole, so a failure midway cannot leave half of it. @param {Secrets} secrets */
	const save = (secrets) => {
		const temporary = `${file}.${process.pid}.tmp`;
		writeFileSync(temporary, `${JSON.stringify(secrets, null, "\t")}\n`, {
			mode: 0o600,
			flag: "wx",
		});
		renameSync(temporary, file);
	};
	const upload = async () => {
		try {
			await wrangler(["secret", "bulk", file, ...PRODUCTION]);
		} catch {
			fail(
				`${file} holds the new secrets, but they were not uploaded. Upload them again: npx wrangler secret bulk ${file} ${PRODUCTION.join(" ")}`,
			);
		}
	};
	if (command === "init") {
		if (existsSync(file)) fail(`${file} exists; init never overwrites it.`);
		writeFileSync(file, `${JSON.stringify({ JWT_SECRET: newSecret() }, null, "\t")}\n`, {
			mode: 0o600,
			flag: "wx",
		});
		await upload();
		console.log(`Uploaded a new JWT_SECRET. ${keep}`);
	} else {
		/** @type {Secrets} */
		let secrets;
		try {
			secrets = JSON.parse(readFileSync(file, "utf8"));
		} catch (error) {
			fail(`Cannot read ${file} as JSON: ${error instanceof Error ? error.message : error}`);
		}
		if (command === "rotate") {
			save(rotated(secrets));
			await upload();
			console.log(
				`Rotated the signing key: the gateway signs with the new one now, and tokens the old one signed stay valid for 15 minutes. After that: npm run signing-key -- finish --file ${file}. ${keep}`,
			);
		} else if (finishable(secrets)) {
			// One at a time, each saved once deleted, so running finish again resumes.
			for (const key of [PREVIOUS, RETIRED_AT]) {
				if (!(key in secrets)) continue;
				// No prompt: without a terminal on stdin wrangler takes its "yes" fallback.
				await wrangler(["secret", "delete", key, ...PRODUCTION], {
					stdio: ["ignore", "inherit", "inherit"],
				}).catch(() =>
					fail(
						`Could not delete ${key}; run finish again (if the gateway no longer has it, remove it from ${file}).`,
					),
				);
				const { [key]: _, ...rest } = secrets;
				secrets = rest;
				save(secrets);
			}
			console.log(`Finished the rotation. ${keep}`);
		}
	}
}

// `npm run dev`: all three workers in one `wrangler dev` session, gateway on
// :8787 (extra arguments go to wrangler, e.g. `npm run dev -- --port 9000`).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { keepEventsAcrossStops } from "./dev-heartbeat.mjs";
import { copyDocsAssets } from "./docs-assets.mjs";
import { migrateUsersDatabases, spawnWrangler, workerConfigs } from "./wrangler.mjs";

const args = process.argv.slice(2);

// wrangler dev quietly moves to another port when the one asked for is busy
// (usually by an earlier `npm run dev`), and the walkthrough's URLs would then
// reach the old session. Refuse instead, and say why.
const portArg = args.findIndex((arg) => arg === "--port" || arg.startsWith("--port="));
const port = Number(
	portArg === -1 ? 8787 : (args[portArg].split("=")[1] ?? args[portArg + 1] ?? Number.NaN),
);
const free = await new Promise((resolve) => {
	const probe = createServer()
		.once("error", () => resolve(false))
		.listen(port, () => probe.close(() => resolve(true)));
});
if (!free) {
	console.error(
		`Port ${port} is in use, perhaps by another \`npm run dev\`. Stop that one, or choose another port: npm run dev -- --port 9000`,
	);
	process.exit(1);
}

// Local state lives under the first config's folder (the root), so the
// migrations must be applied to the same place. PERSIST_TO moves it (the
// smoke test uses an empty folder).
const PERSIST_TO = process.env.PERSIST_TO ?? ".wrangler/state";

// A development JWT_SECRET in .dev.vars (git-ignored), unless one of at least
// 32 bytes is already there, and the key rotation's two keys, empty (no
// rotation under way) unless present: wrangler.toml declares all three, and
// wrangler warns of a declared one that is missing. Other lines are kept.
const DEV_VARS = ".dev.vars";
const SECRET_LINE = /^JWT_SECRET=(.*)$/m;
let vars = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
const original = vars;
/** @param {string} line */
const append = (line) =>
	`${vars || "# Development only; git-ignored.\n"}${vars && !vars.endsWith("\n") ? "\n" : ""}${line}\n`;
const current = SECRET_LINE.exec(vars)?.[1]?.replace(/^"(.*)"$/, "$1") ?? "";
if (Buffer.byteLength(current) < 32) {
	const line = `JWT_SECRET=${randomBytes(32).toString("base64url")}`;
	vars = SECRET_LINE.test(vars) ? vars.replace(SECRET_LINE, line) : append(line);
	console.log(`Wrote a development JWT_SECRET to ${DEV_VARS}`);
}
for (const key of ["JWT_PREVIOUS_SECRET", "JWT_PREVIOUS_SECRET_RETIRED_AT"]) {
	if (!new RegExp(`^${key}=`, "m").test(vars)) vars = append(`${key}=`);
}
if (vars !== original) writeFileSync(DEV_VARS, vars, { mode: 0o600 });

copyDocsAssets();
// Every users shard (workers/user/wrangler.toml), in the session's state.
await migrateUsersDatabases(["--local", "--persist-to", PERSIST_TO]);

const dev = spawnWrangler([
	"dev",
	"-c",
	workerConfigs.gateway,
	"-c",
	workerConfigs.user,
	"-c",
	workerConfigs.order,
	"--persist-to",
	PERSIST_TO,
	...args,
]);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
	process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// A heartbeat while it runs; after a stop, what was in flight is sent again
// (scripts/dev-heartbeat.mjs). Also runs the scheduled work every minute.
void keepEventsAcrossStops({ persistTo: PERSIST_TO, port });

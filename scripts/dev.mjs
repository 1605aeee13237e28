// `npm run dev`: all three workers in one `wrangler dev` session, gateway on
// :8787 (extra arguments go to wrangler, e.g. `npm run dev -- --port 9000`).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { parseArgs } from "node:util";
import { startFront } from "./dev-front.mjs";
import { keepEventsAcrossStops } from "./dev-heartbeat.mjs";
import { copyDocsAssets } from "./docs-assets.mjs";
import { migrateUsersDatabases, spawnWrangler, workerConfigs } from "./wrangler.mjs";

// --port and --ip are the front's (scripts/dev-front.mjs); wrangler listens
// behind it on a free port of 127.0.0.1. Other arguments go to wrangler.
const { values: where, tokens } = parseArgs({
	options: { port: { type: "string" }, ip: { type: "string" } },
	strict: false,
	tokens: true,
});
const args = tokens
	.filter((token) => token.kind !== "option" || !(token.name in where))
	.flatMap((token) =>
		token.kind === "option"
			? [token.rawName, ...(token.value === undefined ? [] : [token.value])]
			: token.kind === "positional"
				? [token.value]
				: [],
	);
const port = Number(where.port ?? 8787);

/** Whether `port` can be listened on, by binding it once (`0`: the port the system chose). */
const bindable = (port) =>
	new Promise((resolve) => {
		const probe = createServer()
			.once("error", () => resolve(null))
			.listen(port, () => {
				const { port: bound } = probe.address();
				probe.close(() => resolve(bound));
			});
	});

// wrangler dev quietly moves to another port when the one asked for is busy
// (usually by an earlier `npm run dev`), and the walkthrough's URLs would then
// reach the old session. Refuse instead, and say why.
if ((await bindable(port)) === null) {
	console.error(
		`Port ${port} is in use, perhaps by another \`npm run dev\`. Stop that one, or choose another port: npm run dev -- --port 9000`,
	);
	process.exit(1);
}
const wranglerPort = await bindable(0);

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
	"--ip",
	"127.0.0.1",
	"--port",
	String(wranglerPort),
	...args,
]);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
	process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
await startFront({
	port,
	hosts: where.ip ? [String(where.ip)] : ["127.0.0.1", "::1"],
	upstreamPort: wranglerPort,
});
console.log(`Gateway on http://localhost:${port} (wrangler serves it behind, on ${wranglerPort})`);
// A heartbeat while it runs; after a stop, what was in flight is sent again
// (scripts/dev-heartbeat.mjs). Also runs the scheduled work every minute.
void keepEventsAcrossStops({ persistTo: PERSIST_TO, port });

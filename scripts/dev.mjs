// `npm run dev`: all three workers in one `wrangler dev` session, gateway on
// :8787 (extra arguments go to wrangler, e.g. `npm run dev -- --port 9000`).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnWrangler, workerConfigs, wrangler } from "./wrangler.mjs";

// Local state lives under the first config's folder (the root), so the
// migrations must be applied to the same place. PERSIST_TO moves it (the
// smoke test uses an empty folder).
const PERSIST_TO = process.env.PERSIST_TO ?? ".wrangler/state";

// A development JWT_SECRET in .dev.vars (git-ignored), unless one of at least
// 32 bytes is already there; other lines in the file are kept.
const DEV_VARS = ".dev.vars";
const SECRET_LINE = /^JWT_SECRET=(.*)$/m;
const vars = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
const current = SECRET_LINE.exec(vars)?.[1]?.replace(/^"(.*)"$/, "$1") ?? "";
if (Buffer.byteLength(current) < 32) {
	const line = `JWT_SECRET=${randomBytes(32).toString("base64url")}`;
	const updated = SECRET_LINE.test(vars)
		? vars.replace(SECRET_LINE, line)
		: `${vars || "# Development only; git-ignored.\n"}${vars && !vars.endsWith("\n") ? "\n" : ""}${line}\n`;
	writeFileSync(DEV_VARS, updated, { mode: 0o600 });
	console.log(`Wrote a development JWT_SECRET to ${DEV_VARS}`);
}

await wrangler([
	"d1",
	"migrations",
	"apply",
	"users-db",
	"--local",
	"-c",
	workerConfigs.user,
	"--persist-to",
	PERSIST_TO,
]);

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
	...process.argv.slice(2),
]);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
	process.on(signal, () => dev.kill(signal));
}
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

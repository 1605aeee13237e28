// `npm run dev`: all three workers in one `wrangler dev` session, gateway on
// :8787 (extra arguments go to wrangler, e.g. `npm run dev -- --port 9000`).
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { spawnWrangler, workerConfigs, wrangler } from "./wrangler.mjs";

// Local state lives under the first config's folder (the root), so the
// migrations must be applied to the same place. PERSIST_TO moves it (the
// smoke test uses an empty folder).
const PERSIST_TO = process.env.PERSIST_TO ?? ".wrangler/state";

if (!existsSync(".dev.vars")) {
	const secret = randomBytes(32).toString("base64url");
	writeFileSync(".dev.vars", `# Development only; git-ignored.\nJWT_SECRET=${secret}\n`, {
		mode: 0o600,
	});
	console.log("Wrote a development JWT_SECRET to .dev.vars");
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

// `npm run chaos`: the fault test (workers/gateway/src/app.faults.test.ts) for
// a minute instead of the few seconds `npm test` gives it, with its figures:
// mixed traffic while the user and order workers fail a third of their calls.
// `npm run chaos -- --duration 120` runs longer.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { duration: { type: "string", default: "60" } } });
const seconds = Number(values.duration);
if (!Number.isInteger(seconds) || seconds < 1) {
	console.error("--duration takes a whole number of seconds");
	process.exit(2);
}

const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const run = spawn(
	process.execPath,
	[vitest, "run", "--project", "gateway", "workers/gateway/src/app.faults.test.ts"],
	{ stdio: "inherit", env: { ...process.env, CHAOS_SECONDS: String(seconds), FIGURES: "1" } },
);
run.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// `npm run lint:openapi`: the OpenAPI document exactly as the gateway serves
// it (its handler, from the bundle `wrangler deploy` uploads), with the
// tutorial's routes (development) and without (production), linted with
// Redocly's recommended rules. Errors fail the run; warnings are shown.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_readConfig } from "wrangler";
import { buildWorkers } from "./build-workers.mjs";
import { workerConfigs } from "./wrangler.mjs";

await buildWorkers(["gateway"]);
const { default: gateway } = await import(pathToFileURL(resolve("dist/gateway/index.js")).href);

const OUT = resolve("dist/openapi");
mkdirSync(OUT, { recursive: true });
// The gateway logs one JSON line per request; here that would be noise.
const log = console.log;
console.log = () => {};
const files = [];
// Each environment's vars, as wrangler.toml sets them (SEED_ROUTES decides
// whether the tutorial's routes are in the document).
for (const name of ["development", "production"]) {
	const { vars } = unstable_readConfig({
		config: workerConfigs.gateway,
		env: name === "production" ? "production" : undefined,
	});
	const res = await gateway.fetch(new Request("http://localhost/openapi.json"), vars);
	if (res.status !== 200) throw new Error(`GET /openapi.json: ${res.status}`);
	const file = join(OUT, `${name}.json`);
	// Pretty-printed, so the linter's line numbers point somewhere readable.
	writeFileSync(file, `${JSON.stringify(await res.json(), null, 2)}\n`);
	files.push(file);
}
console.log = log;

const redocly = createRequire(import.meta.url).resolve("@redocly/cli/bin/cli.js");
const lint = spawnSync(
	process.execPath,
	[redocly, "lint", ...files, "--extends=recommended", "--format=stylish"],
	{
		stdio: "inherit",
		cwd: dirname(OUT),
		// Offline: no usage reports, no update check.
		env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
	},
);
process.exit(lint.status ?? 1);

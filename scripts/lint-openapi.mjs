// `npm run lint:openapi`: the OpenAPI document exactly as the gateway serves
// it (its handler, from the bundle `wrangler deploy` uploads), with the
// tutorial's routes (development) and without (production), linted with
// Redocly's recommended rules. Errors fail the run; warnings are shown.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { servedDocuments } from "./openapi-document.mjs";

const OUT = resolve("dist/openapi");
mkdirSync(OUT, { recursive: true });
const files = [];
for (const [name, document] of Object.entries(await servedDocuments())) {
	const file = join(OUT, `${name}.json`);
	// Pretty-printed, so the linter's line numbers point somewhere readable.
	writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
	files.push(file);
}

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

// Bundles each worker exactly as `wrangler deploy` would, without uploading:
// the deploy check in CI, and the user and order workers that join the
// gateway's test run as pre-bundled auxiliaries (dist/<name>/index.js).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { workerConfigs, wrangler } from "./wrangler.mjs";

export async function buildWorkers(names = Object.keys(workerConfigs)) {
	for (const name of names) {
		await wrangler(
			[
				"deploy",
				"--dry-run",
				"--outdir",
				resolve("dist", name),
				"-c",
				workerConfigs[name],
				"--env",
				"production",
			],
			{ stdio: ["ignore", "ignore", "inherit"] },
		);
	}
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	await buildWorkers();
	console.log(`Bundled ${Object.keys(workerConfigs).join(", ")} into dist/`);
}

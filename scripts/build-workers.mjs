// Bundles each worker exactly as `wrangler deploy` would, without uploading:
// the deploy check in CI, and the user and order workers that join the
// gateway's test run as pre-bundled auxiliaries (dist/<name>/index.js).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { copyDocsAssets } from "./docs-assets.mjs";
import { workerConfigs, wrangler } from "./wrangler.mjs";

export async function buildWorkers(names = Object.keys(workerConfigs)) {
	// The gateway's config names its assets folder; the test runs serve it too.
	copyDocsAssets();
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

/** Raw and gzip size of a built worker's entry module, in KB. */
export function bundleSize(name) {
	const code = readFileSync(resolve("dist", name, "index.js"));
	return { raw: code.byteLength / 1024, gzip: gzipSync(code).byteLength / 1024 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	await buildWorkers();
	console.log("Bundled into dist/, in deploy order (raw / gzip):");
	for (const name of Object.keys(workerConfigs)) {
		const { raw, gzip } = bundleSize(name);
		console.log(`  ${name.padEnd(8)} ${raw.toFixed(1).padStart(7)} KB / ${gzip.toFixed(1)} KB`);
	}
}

// Bundles each worker exactly as `wrangler deploy` would, without uploading:
// the deploy check in CI, the user and order workers that join the gateway's
// test run as pre-bundled auxiliaries (dist/<name>/index.js), and what
// `npm run bench` serves.
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { copyDocsAssets } from "./docs-assets.mjs";
import { workerConfigs, wrangler } from "./wrangler.mjs";

/** esbuild's metafile of a build, beside its bundle. */
export const META_FILE = "bundle-meta.json";

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
				// What went into the bundle, by input file: `npm run bench` reports it.
				"--metafile",
				resolve("dist", name, META_FILE),
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

/**
 * A built worker as Miniflare runs it: the bundle `buildWorkers` wrote, with
 * the name and bindings its own wrangler config declares (the development
 * environment at its top level).
 * @param {keyof typeof workerConfigs} name
 * @returns {import("miniflare").V4WorkerOptions}
 */
export function builtWorker(name) {
	const configPath = workerConfigs[name];
	const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
	const { modulesRules: _rules, rootPath: _root, ...options } = workerOptions;
	const dir = resolve("dist", name);
	// index.js is the entry; the Durable Object's SQL migrations sit beside it as text.
	const sql = readdirSync(dir).filter((file) => file.endsWith(".sql"));
	return {
		...options,
		name: unstable_readConfig({ config: configPath }).name,
		modules: [
			{ type: "ESModule", path: resolve(dir, "index.js") },
			...sql.map((file) => ({ type: "Text", path: resolve(dir, file) })),
		],
	};
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	await buildWorkers();
	console.log("Bundled into dist/, in deploy order (raw / gzip):");
	for (const name of Object.keys(workerConfigs)) {
		const { raw, gzip } = bundleSize(name);
		console.log(`  ${name.padEnd(8)} ${raw.toFixed(1).padStart(7)} KB / ${gzip.toFixed(1)} KB`);
	}
}

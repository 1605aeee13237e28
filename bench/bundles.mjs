// What each worker costs before it serves a request: its bundle (raw, gzip,
// and what fills it) and its startup CPU time.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { META_FILE } from "../scripts/build-workers.mjs";
import { workerConfigs, wrangler } from "../scripts/wrangler.mjs";

/**
 * CPU time of a profile, idle excluded: the sum `wrangler check startup`
 * prints as "Active".
 * @param {{ nodes: { id: number, callFrame: { functionName: string } }[], samples?: number[], timeDeltas?: number[] }} profile
 */
function activeMs(profile) {
	const idle = new Set(
		profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id),
	);
	const samples = profile.samples ?? [];
	let active = 0;
	for (const [index, delta] of (profile.timeDeltas ?? []).entries()) {
		if (!idle.has(samples[index] ?? -1)) active += delta;
	}
	return active / 1000;
}

/**
 * Startup CPU time of a worker in `runs` runs of `wrangler check startup`,
 * least first: it profiles the import of the worker's main module in
 * workerd, offline. The worker is bundled once, as `wrangler deploy` bundles
 * it, and handed over with --worker: check startup's own build reads the
 * root wrangler.toml whatever config its --args name, so every worker's
 * figure was the gateway's. Other work on the machine can only add to a
 * run's time, so the least is the best estimate.
 * @param {keyof typeof workerConfigs} name
 * @param {number} runs
 */
export async function startupMs(name, runs) {
	const dir = await mkdtemp(join(tmpdir(), "bench-startup-"));
	try {
		const bundle = join(dir, `${name}.bundle`);
		await wrangler(
			[
				"deploy",
				"-c",
				workerConfigs[name],
				"--env",
				"production",
				"--dry-run",
				"--outfile",
				bundle,
			],
			{ stdio: ["ignore", "ignore", "inherit"] },
		);
		const times = [];
		for (let run = 0; run < runs; run++) {
			const outfile = join(dir, `${name}-${run}.cpuprofile`);
			await wrangler(["check", "startup", "--worker", bundle, "--outfile", outfile], {
				stdio: ["ignore", "ignore", "inherit"],
			});
			times.push(activeMs(JSON.parse(await readFile(outfile, "utf8"))));
		}
		return times.sort((a, b) => a - b);
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** The package an esbuild input belongs to: npm packages by name, zod's locales apart. */
function origin(/** @type {string} */ input) {
	if (input.includes("node_modules/zod/v4/locales/")) return "zod (locales)";
	const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
	if (pkg) return pkg;
	return input
		.split("/")
		.slice(0, input.startsWith("workers/") ? 2 : 1)
		.join("/");
}

/**
 * Bytes of a built bundle by where they came from, largest first, from the
 * metafile `wrangler deploy --metafile` wrote beside it.
 * @param {keyof typeof workerConfigs} name
 * @returns {Promise<{ origin: string, kb: number }[]>}
 */
export async function composition(name) {
	/** @type {{ outputs: Record<string, { entryPoint?: string, inputs: Record<string, { bytesInOutput: number }> }> }} */
	const meta = JSON.parse(await readFile(resolve("dist", name, META_FILE), "utf8"));
	const entry = Object.values(meta.outputs).find((output) => output.entryPoint);
	/** @type {Map<string, number>} */
	const bytes = new Map();
	for (const [input, { bytesInOutput }] of Object.entries(entry?.inputs ?? {})) {
		const from = origin(input);
		bytes.set(from, (bytes.get(from) ?? 0) + bytesInOutput);
	}
	return [...bytes]
		.map(([from, size]) => ({ origin: from, kb: size / 1024 }))
		.sort((a, b) => b.kb - a.kb);
}

// `npm run bench`: the workers built as `wrangler deploy` builds them, served
// on workerd through Miniflare (no `wrangler dev` proxy) with fresh state, and
// loaded with autocannon on loopback. Two baselines run in the same session: a
// hello-world worker and the architecture's floor (bench/workers/floor), the
// order path with no framework. On a shared machine absolute figures are
// noise, so every figure is also a ratio to both. The baselines run first and
// again last; ratios use their mean, and the drift between the two says how
// steady the machine was. Order creation, the path the floor is the floor of,
// is measured in rounds alternating with the floor, and compared round by
// round. `--smoke` runs everything briefly, for CI: it checks that the bench
// works, not how fast anything is, so it leaves bench/results.json alone.
// A full run writes it; docs/PERFORMANCE.md says what the figures mean.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { buildWorkers, bundleSize } from "../scripts/build-workers.mjs";
import { OFFLINE, workerConfigs } from "../scripts/wrangler.mjs";
import { composition, startupMs } from "./bundles.mjs";
import { elapsedMinutes, progress } from "./measure.mjs";
import { json, markdown, result } from "./report.mjs";
import { PLANS, scenarios } from "./scenarios.mjs";
import { serve } from "./serve.mjs";
import { targets } from "./targets.mjs";

// Miniflare and wrangler's config readers run in this process too.
Object.assign(process.env, OFFLINE);
// Wrangler's notes on where it found each config and secret; warnings still show.
process.env.WRANGLER_LOG ??= "warn";
// The gateway refuses to run without a signing secret; a developer's .dev.vars wins.
process.env.JWT_SECRET ??= randomBytes(32).toString("base64url");

const { values: flags } = parseArgs({ options: { smoke: { type: "boolean", default: false } } });
const plan = flags.smoke ? PLANS.smoke : PLANS.full;
const RESULT = new URL("results.json", import.meta.url);

const version = (/** @type {string} */ pkg) =>
	JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8"))
		.version;
const git = (/** @type {string[]} */ args) =>
	execFileSync("git", args, { encoding: "utf8" }).trim();

// What was measured: read before the run, which writes its result into the tree.
const commit = git(["rev-parse", "HEAD"]);
const uncommittedChanges = git(["status", "--porcelain"]) !== "";
const machine = {
	cpu: cpus()[0]?.model ?? "unknown",
	cores: availableParallelism(),
	node: process.version,
	workerd: version("workerd"),
	wrangler: version("wrangler"),
	load: loadavg()
		.map((n) => n.toFixed(2))
		.join(" "),
};

progress("== build: the three workers, as `wrangler deploy` bundles them");
await buildWorkers();
const names = /** @type {(keyof typeof workerConfigs)[]} */ (Object.keys(workerConfigs));
const bundles = [];
for (const name of names) {
	progress(`== startup: ${name} (wrangler check startup, ${plan.startupRuns} runs)`);
	const runs = await startupMs(name, plan.startupRuns);
	bundles.push({ name, ...bundleSize(name), startupMs: runs[0] ?? Number.NaN, startupRuns: runs });
}
const gatewayBundle = (await composition("gateway")).slice(0, 6);

progress("== serve: every worker on one workerd, fresh state");
const server = await serve();
let failed = false;
try {
	const measured = await scenarios(server, plan);
	const minutes = elapsedMinutes();
	failed = measured.rows.some((row) => row.errors > 0) || (server.logs.counts.error ?? 0) > 0;
	const outcome = result({
		commit,
		uncommittedChanges,
		machine,
		state: server.state,
		measured,
		checks: targets({ ...measured, bundles, minutes }),
		bundles,
		gatewayBundle,
		minutes,
		plan,
	});
	console.log(markdown(outcome, { smoke: flags.smoke }));
	if (server.logs.errors.length > 0) {
		console.log(`Worker errors logged:\n${server.logs.errors.join("\n")}`);
	}
	if (!flags.smoke) {
		writeFileSync(RESULT, json(outcome));
		progress(
			`wrote bench/results.json; \`npm run capacity -- --write\` carries its CPU figures into docs/SCALING.md`,
		);
	}
} finally {
	await server.dispose();
}
process.exitCode = failed ? 1 : 0;

// The bench's result: one object, kept as JSON (bench/results.json, which
// `npm run capacity` reads) and printed as Markdown, so that the report can
// go into docs/PERFORMANCE.md as it is.
import { mean } from "./measure.mjs";

/**
 * @typedef {import("./measure.mjs").Row} Row
 * @typedef {import("./scenarios.mjs").Plan} Plan
 * @typedef {import("./scenarios.mjs").Measured} Measured
 * @typedef {import("./targets.mjs").Bundle} Bundle
 * @typedef {import("./targets.mjs").Check} Check
 * @typedef {ReturnType<typeof result>} Result
 */

/** Relative difference of a baseline's first and last runs, in percent. */
function driftPercent(/** @type {Row[]} */ runs) {
	const [first, last] = [runs[0]?.rps ?? Number.NaN, runs.at(-1)?.rps ?? Number.NaN];
	return (Math.abs(first - last) / ((first + last) / 2)) * 100;
}

/**
 * Everything a run found, with each scenario's ratios to the baselines (the
 * mean of each baseline's runs): req/s as a fraction, latencies and CPU as a
 * multiple. A row measured in rounds against the floor keeps the ratios of
 * its rounds.
 * @param {{ measured: Measured, checks: Check[], bundles: Bundle[],
 *   gatewayBundle: { origin: string, kb: number }[], minutes: number, plan: Plan,
 *   machine: Record<string, string | number>, state: string,
 *   commit: string, uncommittedChanges: boolean }} run
 */
export function result(run) {
	const { commit, uncommittedChanges, minutes, machine, state, plan, measured } = run;
	const { bundles, gatewayBundle, checks } = run;
	const h = mean(measured.hello);
	const f = mean(measured.floor);
	return {
		commit,
		uncommittedChanges,
		date: new Date().toISOString(),
		minutes,
		machine,
		state,
		plan,
		driftPercent: { hello: driftPercent(measured.hello), floor: driftPercent(measured.floor) },
		scenarios: measured.rows.map(({ vsFloor, ...row }) => ({
			...row,
			vsHello: { rps: row.rps / h.rps, p50: row.p50 / h.p50, p99: row.p99 / h.p99 },
			vsFloor: vsFloor ?? {
				rps: row.rps / f.rps,
				p50: row.p50 / f.p50,
				p99: row.p99 / f.p99,
				cpuMs: row.cpuMs / f.cpuMs,
			},
		})),
		curves: measured.curves,
		bundles,
		gatewayBundle,
		targets: checks,
	};
}

/** The result as JSON, to three decimals: finer digits are noise here. */
export const json = (/** @type {Result} */ r) =>
	`${JSON.stringify(
		r,
		(_key, value) => (typeof value === "number" ? Math.round(value * 1000) / 1000 : value),
		"\t",
	)}\n`;

const fixed = (/** @type {number} */ n, digits = 2) => n.toFixed(digits);
const tableRow = (/** @type {(string | number)[]} */ cells) => `| ${cells.join(" | ")} |`;

/**
 * The whole report, in Markdown.
 * @param {Result} r
 * @param {{ smoke: boolean }} options
 */
export function markdown(r, { smoke }) {
	const { machine, plan } = r;
	const { connections, warmupSeconds, seconds } = plan.load;
	return [
		smoke ? "# Bench (smoke run: too short to measure anything)" : "# Bench",
		"",
		`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, workerd ${machine.workerd}, wrangler ${machine.wrangler}; load average at start ${machine.load}; state in ${r.state}.`,
		`${connections} connections, ${warmupSeconds} s warm-up + ${seconds} s measured per row. Baseline drift between first and last run: hello ${fixed(r.driftPercent.hello, 0)}%, floor ${fixed(r.driftPercent.floor, 0)}%.`,
		"Ratios: req/s as a fraction of the baseline's (higher is better); latencies and CPU as a multiple of the baseline's (lower is better). CPU is workerd's, all threads, per request: other work on the machine moves it less than latency and throughput, though it moves it too.",
		`† ${plan.rounds.count} rounds of ${plan.rounds.warmupSeconds} s + ${plan.rounds.seconds} s, alternating with the floor: the row's figures are the medians of its rounds, its ratios to the floor the medians of each round's ratios to the mean of the floor's runs just before and after it.`,
		`‡ ${plan.curveRounds.count} rounds of ${plan.curveRounds.warmupSeconds} s + ${plan.curveRounds.seconds} s, alternating: a curve's sizes (a user per size), or for the users table, which has one size at a time, each size with GET /health. The row's figures are the medians of its rounds; a curve's growth is the median of each round's largest over smallest, or for users the growth of the median ratio to GET /health.`,
		"",
		"| scenario | req/s | p50 ms | p99 ms | errors | CPU ms | req/s ÷ hello | req/s ÷ floor | p50 ÷ hello | p50 ÷ floor | p99 ÷ hello | p99 ÷ floor | CPU ÷ floor |",
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
		...r.scenarios.map((s) =>
			tableRow([
				s.mark ? `${s.name} ${s.mark}` : s.name,
				fixed(s.rps, 0),
				fixed(s.p50),
				fixed(s.p99),
				s.errors,
				fixed(s.cpuMs, 3),
				fixed(s.vsHello.rps),
				fixed(s.vsFloor.rps),
				fixed(s.vsHello.p50, 1),
				fixed(s.vsFloor.p50),
				fixed(s.vsHello.p99, 1),
				fixed(s.vsFloor.p99),
				fixed(s.vsFloor.cpuMs),
			]),
		),
		"",
		"| cost curve | sizes | p50 ms | p50 ÷ smallest | req/s ÷ smallest |",
		"|---|---|---|--:|--:|",
		...r.curves.map((curve) =>
			tableRow([
				curve.name,
				curve.sizes.map((size) => `${size.toLocaleString("en")} ${curve.unit}`).join(" / "),
				curve.p50.map((p50) => fixed(p50)).join(" / "),
				fixed(curve.growth.p50),
				fixed(curve.growth.rps),
			]),
		),
		"",
		"| worker | bundle raw KB | gzip KB | startup CPU ms (least) | all runs |",
		"|---|--:|--:|--:|---|",
		...r.bundles.map((b) =>
			tableRow([
				b.name,
				fixed(b.raw, 1),
				fixed(b.gzip, 1),
				fixed(b.startupMs, 1),
				b.startupRuns.map((ms) => fixed(ms, 1)).join(" / "),
			]),
		),
		"",
		`Gateway bundle by origin: ${r.gatewayBundle
			.map((part) => `${part.origin} ${fixed(part.kb, 0)} KB`)
			.join(", ")}.`,
		"",
		"| target | measured | met |",
		"|---|---|---|",
		...r.targets.map((t) => tableRow([t.target, t.measured, t.met ? "yes" : "**no**"])),
	].join("\n");
}

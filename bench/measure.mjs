// How the bench measures a target: one request first, then load; in rounds
// where a ratio is wanted, so that a burst of other work on the machine
// weighs on both sides of it alike. Every row is kept, in the order it was
// measured, for the report.
import { load } from "./load.mjs";

/**
 * @typedef {import("./load.mjs").Target} Target
 * @typedef {{ rps: number, p50: number, p99: number, cpuMs: number }} Figures
 * @typedef {import("./load.mjs").Measurement & { name: string, mark?: string, vsFloor?: Figures }} Row
 * @typedef {{ connections: number, warmupSeconds: number, seconds: number }} Load
 * @typedef {{ load: Load, rounds: Load & { count: number }, curveRounds: Load & { count: number } }} Timing
 */

const started = performance.now();
export const elapsedMinutes = () => (performance.now() - started) / 60_000;

/** A line on stderr, stamped with the bench's elapsed time, so a slow step shows. */
export const progress = (/** @type {string} */ line) =>
	process.stderr.write(
		`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
	);

export const median = (/** @type {number[]} */ values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2
		? (sorted[middle] ?? 0)
		: ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** @param {Figures[]} runs @returns {Figures} */
export function mean(runs) {
	const of = (/** @type {keyof Figures} */ key) =>
		runs.reduce((sum, run) => sum + run[key], 0) / runs.length;
	return { rps: of("rps"), p50: of("p50"), p99: of("p99"), cpuMs: of("cpuMs") };
}

/**
 * The median over rounds of each round's `key` in `rounds` over the same in
 * `baselines` (the baseline's figures beside each round).
 * @param {Row[]} rounds
 * @param {(Figures | undefined)[]} baselines
 * @param {keyof Figures} key
 */
const roundRatio = (rounds, baselines, key) =>
	median(rounds.map((r, i) => r[key] / (baselines[i]?.[key] ?? Number.NaN)));

/**
 * One request first, so a scenario that cannot work fails with its answer
 * rather than as thousands of errors.
 * @param {Target} target
 * @returns {Promise<string>} the answer's body
 */
export async function preflight(target) {
	// A connection of its own, as each of the load's connections gets one.
	const connection = target.connection?.();
	const setup = connection?.setupRequest ?? target.setupRequest;
	const request = {
		headers: target.headers ?? {},
		...(target.body === undefined ? {} : { body: target.body }),
	};
	const { headers, body: sent } =
		/** @type {{ headers: Record<string, string>, body?: string }} */ (setup?.(request) ?? request);
	const response = await fetch(target.url, {
		method: target.method ?? "GET",
		headers,
		body: sent,
	});
	const body = await response.text();
	connection?.onResponse(response.status, body);
	if (response.status !== target.status) {
		throw new Error(`${target.method ?? "GET"} ${target.url}: ${response.status} ${body}`);
	}
	return body;
}

/**
 * Measures on the served workers, for `timing`, and keeps the rows.
 * @param {{ cpuMs?: () => number }} server where workerd's CPU time is read
 * @param {Timing} timing
 */
export function measurer(server, timing) {
	/** @type {Row[]} */
	const rows = [];

	/**
	 * @param {string} name
	 * @param {Target} target
	 * @param {Load} [options]
	 * @returns {Promise<Row>}
	 */
	async function run(name, target, options = timing.load) {
		await preflight(target);
		const measured = await load(target, { ...options, cpuMs: server.cpuMs });
		progress(`  ${name}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50.toFixed(2)} ms`);
		return { name, ...measured };
	}

	/** A row of the report. @param {string} name @param {Target} target */
	async function measure(name, target) {
		const row = await run(name, target);
		rows.push(row);
		return row;
	}

	/**
	 * A row of the medians of a scenario's rounds, added to the report, with
	 * the errors and requests of all of them.
	 * @param {string} name
	 * @param {string} mark the footnote that says how its rounds ran
	 * @param {Row[]} rounds
	 * @param {Partial<Row>} [extra]
	 * @returns {Row}
	 */
	function medianRow(name, mark, rounds, extra = {}) {
		const of = (/** @type {keyof Figures} */ key) => median(rounds.map((r) => r[key]));
		const row = {
			name,
			mark,
			rps: of("rps"),
			p50: of("p50"),
			p99: of("p99"),
			cpuMs: of("cpuMs"),
			errors: rounds.reduce((sum, r) => sum + r.errors, 0),
			requests: rounds.reduce((sum, r) => sum + r.requests, 0),
			...extra,
		};
		rows.push(row);
		return row;
	}

	/**
	 * The floor and the routes measured against it, in rounds: floor, route,
	 * floor, route, ..., floor. Each route's run is compared with the mean of
	 * the floor's runs just before and just after it, so a burst of other work
	 * on the machine weighs on both sides of a ratio alike. Each row holds the
	 * medians of its rounds, and its ratios to the floor the medians of each
	 * round's ratios.
	 * @param {Target} floor
	 * @param {[string, Target][]} routes
	 * @returns {Promise<Row[]>} the floor's row first
	 */
	async function againstFloor(floor, routes) {
		const { count, ...options } = timing.rounds;
		const floorName = "baseline: floor, POST /orders";
		// Once through every target before the rounds, so that none of them pays
		// in its first round for compiling its code or filling its storage.
		for (const target of [floor, ...routes.map(([, target]) => target)]) {
			await preflight(target);
			await load(target, { ...options, warmupSeconds: 0, seconds: options.warmupSeconds * 2 });
		}
		/** @type {Row[]} */
		const floorRuns = [];
		/** @type {{ own: Row, floor: Figures }[][]} */
		const runs = routes.map(() => []);
		for (let round = 0; round < count; round++) {
			let before = await run(`${floorName} (round ${round + 1})`, floor, options);
			floorRuns.push(before);
			for (const [i, [name, target]] of routes.entries()) {
				const own = await run(`${name} (round ${round + 1})`, target, options);
				const after = await run(`${floorName} (round ${round + 1})`, floor, options);
				floorRuns.push(after);
				runs[i]?.push({ own, floor: mean([before, after]) });
				before = after;
			}
		}
		/** @param {string} name @param {Row[]} own @param {(Figures | undefined)[]} baselines */
		const row = (name, own, baselines) =>
			medianRow(name, "†", own, {
				vsFloor: {
					rps: roundRatio(own, baselines, "rps"),
					p50: roundRatio(own, baselines, "p50"),
					p99: roundRatio(own, baselines, "p99"),
					cpuMs: roundRatio(own, baselines, "cpuMs"),
				},
			});
		return [
			row(floorName, floorRuns, floorRuns),
			...routes.map(([name], i) =>
				row(
					name,
					(runs[i] ?? []).map((r) => r.own),
					(runs[i] ?? []).map((r) => r.floor),
				),
			),
		];
	}

	/**
	 * Targets measured in rounds, alternating: each one's row holds the medians
	 * of its rounds, and the growth (the last target over the first) is the
	 * median of each round's.
	 * @param {string[]} names the rows' names, one per target
	 * @param {Target[]} targets
	 * @returns {Promise<{ points: Row[], growth: { p50: number, rps: number } }>}
	 */
	async function inRounds(names, targets) {
		const { count, ...options } = timing.curveRounds;
		/** @type {Row[][]} */
		const runs = targets.map(() => []);
		for (let round = 0; round < count; round++) {
			for (const [i, target] of targets.entries()) {
				runs[i]?.push(await run(`${names[i]} (round ${round + 1})`, target, options));
			}
		}
		const points = runs.map((own, i) => medianRow(names[i] ?? "", "‡", own));
		const [first, last] = [runs[0] ?? [], runs.at(-1) ?? []];
		return {
			points,
			growth: { p50: roundRatio(last, first, "p50"), rps: roundRatio(last, first, "rps") },
		};
	}

	return { rows, measure, againstFloor, inRounds };
}

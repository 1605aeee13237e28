// What the bench holds the system to: hot paths near the floor of their
// architecture, flat cost curves, login near the hash it cannot avoid,
// refresh near users/me, small internal bundles, quick startup, and a bench
// short enough to run often. docs/PERFORMANCE.md says where each comes from.
import { mean } from "./measure.mjs";

export const TARGETS = {
	floorThroughput: 0.85,
	floorP99: 1.5,
	flatCurve: 1.5,
	loginOverHash: 1.3,
	refreshOverMe: 2,
	internalBundleKb: 250,
	startupMs: 50,
	benchMinutes: 5,
};

/**
 * @typedef {import("./measure.mjs").Row} Row
 * @typedef {import("./scenarios.mjs").Measured} Measured
 * @typedef {{ name: string, raw: number, gzip: number, startupMs: number, startupRuns: number[] }} Bundle
 * @typedef {{ target: string, measured: string, met: boolean }} Check
 */

const fixed = (/** @type {number} */ n, digits = 2) => n.toFixed(digits);

/**
 * Each target with what was measured for it and whether it was met.
 * @param {Measured & { bundles: Bundle[], minutes: number }} measured
 * @returns {Check[]}
 */
export function targets({ orders, keyed, hash, login, me, refresh, curves, bundles, minutes }) {
	const pbkdf2 = mean(hash);
	const meMean = mean(me);
	const internal = bundles.filter((b) => b.name !== "gateway");
	const slowest = Math.max(...bundles.map((b) => b.startupMs));
	/** @type {[string, string, boolean][]} */
	const checks = [
		...[orders, keyed].flatMap((row) => {
			const vs = row.vsFloor ?? { rps: Number.NaN, p99: Number.NaN, cpuMs: Number.NaN };
			/** @type {[string, string, boolean][]} */
			const ofRow = [
				[
					`${row.name} ${row.mark}: req/s ≥ ${TARGETS.floorThroughput} × floor`,
					fixed(vs.rps),
					vs.rps >= TARGETS.floorThroughput,
				],
				[
					`${row.name} ${row.mark}: p99 ≤ ${TARGETS.floorP99} × floor`,
					fixed(vs.p99),
					vs.p99 <= TARGETS.floorP99,
				],
				[`${row.name} ${row.mark}: no errors`, String(row.errors), row.errors === 0],
				[
					`${row.name} ${row.mark}: CPU ≤ ${fixed(1 / TARGETS.floorThroughput)} × floor's (the throughput target, in CPU)`,
					fixed(vs.cpuMs),
					vs.cpuMs <= 1 / TARGETS.floorThroughput,
				],
			];
			return ofRow;
		}),
		...curves.map(({ name, growth }) => {
			/** @type {[string, string, boolean]} */
			const check = [
				`${name}: p50 at the largest size ≤ ${TARGETS.flatCurve} × at the smallest`,
				fixed(growth.p50),
				growth.p50 <= TARGETS.flatCurve,
			];
			return check;
		}),
		[
			`login ≤ ${TARGETS.loginOverHash} × the hash alone, in time per request (hash req/s ÷ login req/s)`,
			fixed(pbkdf2.rps / login.rps),
			pbkdf2.rps / login.rps <= TARGETS.loginOverHash,
		],
		[
			`login ≤ ${TARGETS.loginOverHash} × the hash alone, in CPU per request`,
			fixed(login.cpuMs / pbkdf2.cpuMs),
			login.cpuMs / pbkdf2.cpuMs <= TARGETS.loginOverHash,
		],
		[
			`refresh ≤ ${TARGETS.refreshOverMe} × GET /api/v1/users/me, in CPU per request (each a session per connection)`,
			fixed(refresh.cpuMs / meMean.cpuMs),
			refresh.cpuMs / meMean.cpuMs <= TARGETS.refreshOverMe,
		],
		[
			"POST /api/v1/auth/refresh: no errors (a broken chain of refresh tokens answers 401)",
			String(refresh.errors),
			refresh.errors === 0,
		],
		[
			`user and order bundles < ${TARGETS.internalBundleKb} KB raw`,
			internal.map((b) => `${b.name} ${fixed(b.raw, 0)}`).join(", "),
			internal.every((b) => b.raw < TARGETS.internalBundleKb),
		],
		[
			`startup ≤ ${TARGETS.startupMs} ms each`,
			bundles.map((b) => `${b.name} ${fixed(b.startupMs, 0)}`).join(", "),
			slowest <= TARGETS.startupMs,
		],
		[
			`whole bench < ${TARGETS.benchMinutes} min`,
			`${fixed(minutes, 1)} min`,
			minutes < TARGETS.benchMinutes,
		],
	];
	return checks.map(([target, measured, met]) => ({ target, measured, met }));
}

// `npm run bench`: the workers built as `wrangler deploy` builds them, served
// on workerd through Miniflare (no `wrangler dev` proxy) with fresh state, and
// loaded with autocannon on loopback. Two baselines run in the same session: a
// hello-world worker and the architecture's floor (bench/workers/floor), the
// order path with no framework. On a shared machine absolute figures are
// noise, so every figure is also a ratio to both. The baselines run first and
// again last; ratios use their mean, and the drift between the two says how
// steady the machine was. Order creation, the path the floor is the floor of,
// is measured in rounds alternating with the floor, and compared round by
// round. `--smoke` runs everything briefly, for CI: it checks
// that the bench works, not how fast anything is. Results: docs/PERFORMANCE.md.
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { composition, startupMs } from "../bench/bundles.mjs";
import { load } from "../bench/load.mjs";
import { serve } from "../bench/serve.mjs";
import { buildWorkers, bundleSize } from "./build-workers.mjs";
import { OFFLINE, workerConfigs } from "./wrangler.mjs";

const started = performance.now();
// Miniflare and wrangler's config readers run in this process too.
Object.assign(process.env, OFFLINE);
// Wrangler's notes on where it found each config and secret; warnings still show.
process.env.WRANGLER_LOG ??= "warn";
// The gateway refuses to run without a signing secret; a developer's .dev.vars wins.
process.env.JWT_SECRET ??= randomBytes(32).toString("base64url");

const { values: flags } = parseArgs({ options: { smoke: { type: "boolean", default: false } } });
const PLAN = flags.smoke
	? {
			load: { connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
			rounds: { count: 1, connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
			curveRounds: { count: 1, connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
			orders: [10, 100],
			users: [10, 100],
			notifications: [10, 100],
			startupRuns: 1,
		}
	: {
			load: { connections: 10, warmupSeconds: 1, seconds: 3 },
			rounds: { count: 4, connections: 10, warmupSeconds: 0.5, seconds: 2 },
			curveRounds: { count: 3, connections: 10, warmupSeconds: 0.3, seconds: 1.5 },
			orders: [10, 10_000, 100_000],
			users: [10, 100_000],
			notifications: [10, 10_000],
			startupRuns: 5,
		};
const TARGETS = {
	floorThroughput: 0.85,
	floorP99: 1.5,
	flatCurve: 1.5,
	loginOverHash: 1.3,
	refreshOverMe: 2,
	internalBundleKb: 250,
	startupMs: 50,
	benchMinutes: 5,
};

const PASSWORD = "correct horse battery";
const ORDER = JSON.stringify({ items: [{ sku: "book-1", quantity: 2 }] });
const JSON_BODY = { "content-type": "application/json" };
const bearer = (/** @type {string} */ token) => ({ authorization: `Bearer ${token}` });

const fixed = (/** @type {number} */ n, digits = 2) => n.toFixed(digits);
const tableRow = (/** @type {(string | number)[]} */ cells) => `| ${cells.join(" | ")} |`;
/** A line on stderr, stamped with the bench's elapsed time, so a slow step shows. */
const progress = (/** @type {string} */ line) =>
	process.stderr.write(
		`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
	);
const version = (/** @type {string} */ pkg) =>
	JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8"))
		.version;

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
	progress(`== startup: ${name} (wrangler check startup, ${PLAN.startupRuns} runs)`);
	const runs = await startupMs(name, PLAN.startupRuns);
	bundles.push({ name, ...bundleSize(name), startupMs: runs[0] ?? Number.NaN, startupRuns: runs });
}
const gatewayComposition = await composition("gateway");

/**
 * @typedef {import("../bench/load.mjs").Target} Target
 * @typedef {{ rps: number, p50: number, p99: number, cpuMs: number }} Figures
 * @typedef {import("../bench/load.mjs").Measurement & { name: string, vsFloor?: Figures }} Row
 */
/** @type {Row[]} */
const rows = [];

/**
 * One request first, so a scenario that cannot work fails with its answer
 * rather than as thousands of errors.
 * @param {Target} target
 */
async function preflight(target) {
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
 * @param {string} name
 * @param {Target} target
 * @param {{ connections: number, warmupSeconds: number, seconds: number }} [options]
 */
async function run(name, target, options = PLAN.load) {
	await preflight(target);
	const measured = await load(target, { ...options, cpuMs: server.cpuMs });
	progress(`  ${name}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50.toFixed(2)} ms`);
	return { name, ...measured };
}

/** @param {string} name @param {Target} target */
async function measure(name, target) {
	const row = await run(name, target);
	rows.push(row);
	return row;
}

const median = (/** @type {number[]} */ values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2
		? (sorted[middle] ?? 0)
		: ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * A row of the medians of a scenario's rounds, added to the report, with
 * the errors and requests of all of them.
 * @param {string} name
 * @param {Row[]} rounds
 * @param {Partial<Row>} [extra]
 * @returns {Row}
 */
function medianRow(name, rounds, extra = {}) {
	const of = (/** @type {keyof Figures} */ key) => median(rounds.map((r) => r[key]));
	const row = {
		name,
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
 * The median over rounds of each round's `key` in `rounds` over the same in
 * `baselines` (the baseline's figures beside each round).
 * @param {Row[]} rounds
 * @param {(Figures | undefined)[]} baselines
 * @param {keyof Figures} key
 */
const roundRatio = (rounds, baselines, key) =>
	median(rounds.map((r, i) => r[key] / (baselines[i]?.[key] ?? Number.NaN)));

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
	const { count, ...options } = PLAN.rounds;
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
		medianRow(`${name} †`, own, {
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
 * @typedef {{ curve: { name: string, unit: string, sizes: number[] }, points: Row[],
 *   growth: { p50: number, rps: number } }} CurveRow
 */

/** A curve's point: the request at one size of the data behind it. */
const pointName = (
	/** @type {{ name: string, unit: string }} */ curve,
	/** @type {number} */ size,
) => `${curve.name}, ${size.toLocaleString("en")} ${curve.unit}`;

/**
 * Targets measured in rounds, alternating: each one's row holds the medians
 * of its rounds, and the growth (the last target over the first) is the
 * median of each round's.
 * @param {string[]} names the rows' names, one per target
 * @param {Target[]} targets
 * @returns {Promise<{ points: Row[], growth: { p50: number, rps: number } }>}
 */
async function inRounds(names, targets) {
	const { count, ...options } = PLAN.curveRounds;
	/** @type {Row[][]} */
	const runs = targets.map(() => []);
	for (let round = 0; round < count; round++) {
		for (const [i, target] of targets.entries()) {
			runs[i]?.push(await run(`${names[i]} (round ${round + 1})`, target, options));
		}
	}
	const points = runs.map((own, i) => medianRow(`${names[i]} ‡`, own));
	const [first, last] = [runs[0] ?? [], runs.at(-1) ?? []];
	return {
		points,
		growth: { p50: roundRatio(last, first, "p50"), rps: roundRatio(last, first, "rps") },
	};
}

progress("== serve: every worker on one workerd, fresh state");
const server = await serve();
let failed = false;
try {
	const gateway = (/** @type {string} */ path) => new URL(path, server.urls.gateway);
	/**
	 * A session's token pair, as login answers it.
	 * @param {string} username
	 * @returns {Promise<{ accessToken: string, refreshToken: string }>}
	 */
	const logIn = async (username) =>
		JSON.parse(
			await preflight({
				url: gateway("/api/v1/auth/login"),
				method: "POST",
				headers: JSON_BODY,
				body: JSON.stringify({ username, password: PASSWORD }),
				status: 200,
			}),
		);
	const login = async (/** @type {string} */ username) => (await logIn(username)).accessToken;

	const register = (/** @type {string} */ username) =>
		preflight({
			url: gateway("/api/v1/users"),
			method: "POST",
			headers: JSON_BODY,
			body: JSON.stringify({ username, password: PASSWORD }),
			status: 201,
		});
	await register("bench");
	// Who is who. User 1 ("bench") sends the orders and the users/me curve's
	// requests; users 2, 3, ... hold the curves' data, a size each; the next
	// one logs in under load: every login starts a session, and a user's 51st
	// ends their least recently used one, so the login row must not be the
	// user whose token other rows send. The users after it hold the sessions
	// refresh is measured on. They are registered here, in that order, so user N is
	// bench_N (ids count registrations from 1), each in the shard of its name.
	const curveUsers = PLAN.orders.length + PLAN.notifications.length;
	const loginUser = `bench_${2 + curveUsers}`;
	const firstSessionUser = 3 + curveUsers;
	for (let id = 2; id <= firstSessionUser + PLAN.load.connections; id++) {
		await register(`bench_${id}`);
	}
	await server.seedUsers(PLAN.users[0] ?? 1);
	const token = await login("bench");

	/** @type {Record<string, Target>} */
	const baselines = {
		hello: { url: server.urls.hello, status: 200 },
		floor: {
			url: new URL("/orders", server.urls["floor-gateway"]),
			method: "POST",
			headers: { ...JSON_BODY, ...bearer(token) },
			body: ORDER,
			status: 201,
		},
	};
	const createOrder = {
		url: gateway("/api/v1/orders"),
		method: "POST",
		headers: { ...JSON_BODY, ...bearer(token) },
		body: ORDER,
		status: 201,
	};

	progress("== baselines");
	const hello = [await measure("baseline: hello world", baselines.hello)];

	progress(`== order creation against the floor, ${PLAN.rounds.count} rounds`);
	const [floorRounds, orders, keyed, bareFloor] = await againstFloor(baselines.floor, [
		["POST /api/v1/orders", createOrder],
		[
			"POST /api/v1/orders, unique Idempotency-Key",
			{
				...createOrder,
				setupRequest: (request) => ({
					...request,
					headers: { ...request.headers, "idempotency-key": randomUUID() },
				}),
			},
		],
		[
			"floor without the platform work (no limit, replica read, event or log lines)",
			{ ...baselines.floor, url: new URL("/orders", server.urls["bare-floor-gateway"]) },
		],
	]);
	if (!floorRounds || !orders || !keyed || !bareFloor) throw new Error("no rounds measured");
	const floor = [floorRounds];

	progress("== routes");
	await measure("POST /api/v1/orders through the local asset router, as `wrangler dev` serves it", {
		...createOrder,
		url: new URL("/api/v1/orders", server.urls["gateway-with-assets"]),
	});
	await measure("GET /api/v1/orders (first page)", {
		url: gateway("/api/v1/orders"),
		headers: bearer(token),
		status: 200,
	});
	await measure("POST /create_order (tutorial)", {
		url: gateway("/create_order"),
		method: "POST",
		headers: JSON_BODY,
		body: JSON.stringify({ user_id: 1, items: ["item1"] }),
		status: 201,
	});
	await measure("GET /validate_user/1 (tutorial)", {
		url: gateway("/validate_user/1"),
		status: 200,
	});
	await measure("GET /health", { url: gateway("/health"), status: 200 });
	// The hash alone runs before and after the login it is compared with:
	// both are all CPU, so a burst of other work on the machine shows at once.
	const hashAlone = { url: server.urls.hash, status: 200 };
	const hash = [await measure("PBKDF2 alone (100,000 x SHA-256)", hashAlone)];
	const loginRow = await measure("POST /api/v1/auth/login", {
		url: gateway("/api/v1/auth/login"),
		method: "POST",
		headers: JSON_BODY,
		body: JSON.stringify({ username: loginUser, password: PASSWORD }),
		status: 200,
	});
	hash.push(await measure("PBKDF2 alone (again)", hashAlone));

	// Cost curves: the same request as the data behind it grows. One user's
	// orders or notifications can be had at every size at once (a user per
	// size), so those sizes are measured in rounds, alternating, and compared
	// round by round.
	/** @type {CurveRow[]} */
	const curveRows = [];
	/** @param {{ name: string, unit: string, sizes: number[] }} curve @param {(size: number, i: number) => Promise<Target>} seeded */
	const sideBySide = async (curve, seeded) => {
		progress(`== curve: ${curve.name}`);
		const targets = [];
		for (const [i, size] of curve.sizes.entries()) targets.push(await seeded(size, i));
		const names = curve.sizes.map((size) => pointName(curve, size));
		curveRows.push({ curve, ...(await inRounds(names, targets)) });
	};
	// Users 2, 3, ... (seeded above) hold the curves' data, one size each.
	const curveUser = async (/** @type {number} */ i) => {
		const id = 2 + i;
		return { id, token: await login(`bench_${id}`) };
	};
	await sideBySide(
		{ name: "GET /api/v1/orders (first page)", unit: "orders", sizes: PLAN.orders },
		async (size, i) => {
			const user = await curveUser(i);
			await server.seedOrders(user.id, size);
			return { url: gateway("/api/v1/orders"), headers: bearer(user.token), status: 200 };
		},
	);
	await sideBySide(
		{
			name: "GET /api/v1/users/me/notifications (first page)",
			unit: "notifications",
			sizes: PLAN.notifications,
		},
		async (size, i) => {
			const user = await curveUser(PLAN.orders.length + i);
			await server.seedNotifications(user.id, size);
			return {
				url: gateway("/api/v1/users/me/notifications"),
				headers: bearer(user.token),
				status: 200,
			};
		},
	);
	// The users table has one size at a time, so its sizes cannot alternate;
	// instead each size alternates with GET /health, which runs the same
	// gateway and RPC but reads no table, and the growth is that of the ratio
	// between the two: a machine-wide slowdown moves both alike.
	const usersCurve = { name: "GET /api/v1/users/me", unit: "users", sizes: PLAN.users };
	progress(`== curve: ${usersCurve.name} (against GET /health)`);
	const health = { url: gateway("/health"), status: 200 };
	const me = { url: gateway("/api/v1/users/me"), headers: bearer(token), status: 200 };
	const userPoints = [];
	for (const size of usersCurve.sizes) {
		await server.seedUsers(size);
		const healthName = `GET /health beside ${size.toLocaleString("en")} users`;
		userPoints.push(await inRounds([healthName, pointName(usersCurve, size)], [health, me]));
	}
	const [fewest, most] = [userPoints[0], userPoints.at(-1)];
	curveRows.push({
		curve: usersCurve,
		points: userPoints.flatMap(({ points }) => points.slice(-1)),
		growth: {
			p50: (most?.growth.p50 ?? 0) / (fewest?.growth.p50 ?? 1),
			rps: (most?.growth.rps ?? 0) / (fewest?.growth.rps ?? 1),
		},
	});
	// The same route for a user in each users shard: the shards must serve
	// alike. The bench users were registered by name, so some are in each.
	const shardUsers = new Map();
	for (let id = 2; id <= firstSessionUser + PLAN.load.connections; id++) {
		const shard = await server.shardIndexOf(id);
		if (!shardUsers.has(shard)) shardUsers.set(shard, id);
	}
	await sideBySide(
		{
			name: "GET /api/v1/users/me, a user in each shard",
			unit: "(shard index)",
			sizes: Array.from({ length: server.shardCount }, (_, shard) => shard),
		},
		async (shard) => {
			const id = shardUsers.get(shard);
			if (id === undefined) throw new Error(`no bench user in shard ${shard}`);
			return {
				url: gateway("/api/v1/users/me"),
				headers: bearer(await login(`bench_${id}`)),
				status: 200,
			};
		},
	);

	// Refresh against GET /api/v1/users/me, the plainest route a token takes:
	// both reach the user's Account object, users/me with a D1 read beside it.
	// Both run over the same sessions, one per connection (and one for the
	// preflight), each a distinct user's, so no two connections share an
	// Account object and no username meets the login limit. Refresh tokens
	// rotate: each connection refreshes its own session, one request after
	// another, each with the token the previous answer gave. A broken chain
	// answers 401 from then on, and a 401 is an error like any other. These
	// users were registered first (see "Who is who"); like the hash around
	// login, users/me runs before and after.
	progress("== sessions: POST /api/v1/auth/refresh against GET /api/v1/users/me");
	/** @type {{ accessToken: string, refreshToken: string }[]} */
	const sessions = [];
	for (let i = 0; i <= PLAN.load.connections; i++) {
		sessions.push(await logIn(`bench_${firstSessionUser + i}`));
	}
	let turn = 0;
	/** The next session, round the list: a load's preflight and connections take one each. */
	const nextSession = () => {
		const session = sessions[turn++ % sessions.length];
		if (!session) throw new Error("no sessions");
		return session;
	};
	/** @type {Target} */
	const meAsSession = {
		url: gateway("/api/v1/users/me"),
		status: 200,
		connection: () => {
			const session = nextSession();
			return {
				setupRequest: (request) => ({
					...request,
					headers: { ...request.headers, ...bearer(session.accessToken) },
				}),
				onResponse: () => {},
			};
		},
	};
	const meRows = [await measure("GET /api/v1/users/me", meAsSession)];
	const refreshRow = await measure("POST /api/v1/auth/refresh", {
		url: gateway("/api/v1/auth/refresh"),
		method: "POST",
		headers: JSON_BODY,
		status: 200,
		connection: () => {
			const session = nextSession();
			return {
				setupRequest: (request) => ({
					...request,
					body: JSON.stringify({ refreshToken: session.refreshToken }),
				}),
				// The next pair; users/me, after, sends its access token.
				onResponse: (status, body) => {
					if (status === 200) Object.assign(session, JSON.parse(body));
				},
			};
		},
	});
	meRows.push(await measure("GET /api/v1/users/me (again)", meAsSession));

	progress("== baselines again");
	floor.push(await measure("baseline: floor, POST /orders (again)", baselines.floor));
	hello.push(await measure("baseline: hello world (again)", baselines.hello));

	const elapsedMinutes = (performance.now() - started) / 60_000;
	failed = rows.some((row) => row.errors > 0) || (server.logs.counts.error ?? 0) > 0;
	console.log(
		report({
			hello,
			floor,
			orders,
			keyed,
			hash,
			login: loginRow,
			me: meRows,
			refresh: refreshRow,
			curveRows,
			elapsedMinutes,
			state: server.state,
		}),
	);
	if (server.logs.errors.length > 0) {
		console.log(`Worker errors logged:\n${server.logs.errors.join("\n")}`);
	}
} finally {
	await server.dispose();
}
process.exitCode = failed ? 1 : 0;

/** @param {Row[]} runs */
function mean(runs) {
	const of = (/** @type {keyof Figures} */ key) =>
		runs.reduce((sum, run) => sum + run[key], 0) / runs.length;
	return { rps: of("rps"), p50: of("p50"), p99: of("p99"), cpuMs: of("cpuMs") };
}

/** Relative difference of two runs of a baseline, in percent. */
function drift(/** @type {Row[]} */ runs) {
	const [first, last] = runs;
	if (!first || !last) return "n/a";
	return `${((Math.abs(first.rps - last.rps) / ((first.rps + last.rps) / 2)) * 100).toFixed(0)}%`;
}

/**
 * The whole report, in Markdown so it can go into docs/PERFORMANCE.md as it is.
 * @param {{ hello: Row[], floor: Row[], orders: Row, keyed: Row, hash: Row[], login: Row,
 *   me: Row[], refresh: Row, curveRows: CurveRow[], elapsedMinutes: number,
 *   state: string }} results
 */
function report({
	hello,
	floor,
	orders,
	keyed,
	hash,
	login,
	me,
	refresh,
	curveRows,
	elapsedMinutes,
	state,
}) {
	const h = mean(hello);
	const f = mean(floor);
	const pbkdf2 = mean(hash);
	const meMean = mean(me);
	const { connections, warmupSeconds, seconds } = PLAN.load;
	const lines = [
		flags.smoke ? "# Bench (smoke run: too short to measure anything)" : "# Bench",
		"",
		`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, workerd ${machine.workerd}, wrangler ${machine.wrangler}; load average at start ${machine.load}; state in ${state}.`,
		`${connections} connections, ${warmupSeconds} s warm-up + ${seconds} s measured per row. Baseline drift between first and last run: hello ${drift(hello)}, floor ${drift(floor)}.`,
		"Ratios: req/s as a fraction of the baseline's (higher is better); latencies and CPU as a multiple of the baseline's (lower is better). CPU is workerd's, all threads, per request: other work on the machine moves it less than latency and throughput, though it moves it too.",
		`† ${PLAN.rounds.count} rounds of ${PLAN.rounds.warmupSeconds} s + ${PLAN.rounds.seconds} s, alternating with the floor: the row's figures are the medians of its rounds, its ratios to the floor the medians of each round's ratios to the mean of the floor's runs just before and after it.`,
		`‡ ${PLAN.curveRounds.count} rounds of ${PLAN.curveRounds.warmupSeconds} s + ${PLAN.curveRounds.seconds} s, alternating: a curve's sizes (a user per size), or for the users table, which has one size at a time, each size with GET /health. The row's figures are the medians of its rounds; a curve's growth is the median of each round's largest over smallest, or for users the growth of the median ratio to GET /health.`,
		"",
		"| scenario | req/s | p50 ms | p99 ms | errors | CPU ms | req/s ÷ hello | req/s ÷ floor | p50 ÷ hello | p50 ÷ floor | p99 ÷ hello | p99 ÷ floor | CPU ÷ floor |",
		"|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
		...rows.map((row) =>
			tableRow([
				row.name,
				fixed(row.rps, 0),
				fixed(row.p50),
				fixed(row.p99),
				row.errors,
				fixed(row.cpuMs, 3),
				fixed(row.rps / h.rps),
				fixed(row.vsFloor?.rps ?? row.rps / f.rps),
				fixed(row.p50 / h.p50, 1),
				fixed(row.vsFloor?.p50 ?? row.p50 / f.p50),
				fixed(row.p99 / h.p99, 1),
				fixed(row.vsFloor?.p99 ?? row.p99 / f.p99),
				fixed(row.vsFloor?.cpuMs ?? row.cpuMs / f.cpuMs),
			]),
		),
		"",
		"| cost curve | sizes | p50 ms | p50 ÷ smallest | req/s ÷ smallest |",
		"|---|---|---|--:|--:|",
		...curveRows.map(({ curve, points, growth }) =>
			tableRow([
				curve.name,
				curve.sizes.map((size) => `${size.toLocaleString("en")} ${curve.unit}`).join(" / "),
				points.map((p) => fixed(p.p50)).join(" / "),
				fixed(growth.p50),
				fixed(growth.rps),
			]),
		),
		"",
		"| worker | bundle raw KB | gzip KB | startup CPU ms (least) | all runs |",
		"|---|--:|--:|--:|---|",
		...bundles.map((b) =>
			tableRow([
				b.name,
				fixed(b.raw, 1),
				fixed(b.gzip, 1),
				fixed(b.startupMs, 1),
				b.startupRuns.map((ms) => fixed(ms, 1)).join(" / "),
			]),
		),
		"",
		`Gateway bundle by origin: ${gatewayComposition
			.slice(0, 6)
			.map((part) => `${part.origin} ${fixed(part.kb, 0)} KB`)
			.join(", ")}.`,
		"",
	];
	const internal = bundles.filter((b) => b.name !== "gateway");
	const slowest = Math.max(...bundles.map((b) => b.startupMs));
	/** @type {[string, string, boolean][]} */
	const targets = [
		...[orders, keyed].flatMap((row) => {
			const vs = row.vsFloor ?? { rps: Number.NaN, p99: Number.NaN, cpuMs: Number.NaN };
			/** @type {[string, string, boolean][]} */
			const checks = [
				[
					`${row.name}: req/s ≥ ${TARGETS.floorThroughput} × floor`,
					fixed(vs.rps),
					vs.rps >= TARGETS.floorThroughput,
				],
				[
					`${row.name}: p99 ≤ ${TARGETS.floorP99} × floor`,
					fixed(vs.p99),
					vs.p99 <= TARGETS.floorP99,
				],
				[`${row.name}: no errors`, String(row.errors), row.errors === 0],
				[
					`${row.name}: CPU ≤ ${fixed(1 / TARGETS.floorThroughput)} × floor's (the throughput target, in CPU)`,
					fixed(vs.cpuMs),
					vs.cpuMs <= 1 / TARGETS.floorThroughput,
				],
			];
			return checks;
		}),
		...curveRows.map(({ curve, growth }) => {
			/** @type {[string, string, boolean]} */
			const check = [
				`${curve.name}: p50 at the largest size ≤ ${TARGETS.flatCurve} × at the smallest`,
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
			`${fixed(elapsedMinutes, 1)} min`,
			elapsedMinutes < TARGETS.benchMinutes,
		],
	];
	lines.push(
		"| target | measured | met |",
		"|---|---|---|",
		...targets.map(([name, value, met]) => tableRow([name, value, met ? "yes" : "**no**"])),
	);
	return lines.join("\n");
}

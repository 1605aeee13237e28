// What the bench measures, on the served workers: the baselines, order
// creation against the floor, the routes, login against the hash alone,
// the cost curves as data grows, and refresh against users/me.
import { randomUUID } from "node:crypto";
import { measurer, preflight, progress } from "./measure.mjs";

/**
 * How long each measurement runs and how large the curves' data grows. The
 * smoke plan runs everything briefly, for CI: it checks that the bench
 * works, not how fast anything is.
 */
export const PLANS = {
	full: {
		load: { connections: 10, warmupSeconds: 1, seconds: 3 },
		rounds: { count: 4, connections: 10, warmupSeconds: 0.5, seconds: 2 },
		curveRounds: { count: 3, connections: 10, warmupSeconds: 0.3, seconds: 1.5 },
		orders: [10, 10_000, 100_000],
		users: [10, 100_000],
		notifications: [10, 10_000],
		startupRuns: 5,
	},
	smoke: {
		load: { connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
		rounds: { count: 1, connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
		curveRounds: { count: 1, connections: 4, warmupSeconds: 0.1, seconds: 0.3 },
		orders: [10, 100],
		users: [10, 100],
		notifications: [10, 100],
		startupRuns: 1,
	},
};

/**
 * @typedef {typeof PLANS.full} Plan
 * @typedef {import("./load.mjs").Target} Target
 * @typedef {import("./measure.mjs").Row} Row
 * @typedef {{ name: string, unit: string, sizes: number[], p50: number[],
 *   growth: { p50: number, rps: number } }} Curve a curve's sizes and each one's p50
 * @typedef {{ rows: Row[], hello: Row[], floor: Row[], orders: Row, keyed: Row, hash: Row[],
 *   login: Row, me: Row[], refresh: Row, curves: Curve[] }} Measured
 */

const PASSWORD = "correct horse battery";
const ORDER = JSON.stringify({ items: [{ sku: "book-1", quantity: 2 }] });
const JSON_BODY = { "content-type": "application/json" };
const bearer = (/** @type {string} */ token) => ({ authorization: `Bearer ${token}` });

/** A curve's point: the request at one size of the data behind it. */
const pointName = (
	/** @type {{ name: string, unit: string }} */ curve,
	/** @type {number} */ size,
) => `${curve.name}, ${size.toLocaleString("en")} ${curve.unit}`;

/**
 * Every scenario, in the order the report lists them.
 * @param {Awaited<ReturnType<typeof import("./serve.mjs").serve>>} server
 * @param {Plan} plan
 * @returns {Promise<Measured>}
 */
export async function scenarios(server, plan) {
	const { rows, measure, againstFloor, inRounds } = measurer(server, plan);
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
	const curveUsers = plan.orders.length + plan.notifications.length;
	const loginUser = `bench_${2 + curveUsers}`;
	const firstSessionUser = 3 + curveUsers;
	for (let id = 2; id <= firstSessionUser + plan.load.connections; id++) {
		await register(`bench_${id}`);
	}
	await server.seedUsers(plan.users[0] ?? 1);
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

	progress(`== order creation against the floor, ${plan.rounds.count} rounds`);
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
	/** @type {Curve[]} */
	const curves = [];
	/** @param {{ name: string, unit: string, sizes: number[] }} curve @param {(size: number, i: number) => Promise<Target>} seeded */
	const sideBySide = async (curve, seeded) => {
		progress(`== curve: ${curve.name}`);
		const targets = [];
		for (const [i, size] of curve.sizes.entries()) targets.push(await seeded(size, i));
		const names = curve.sizes.map((size) => pointName(curve, size));
		const { points, growth } = await inRounds(names, targets);
		curves.push({ ...curve, p50: points.map((p) => p.p50), growth });
	};
	// Users 2, 3, ... (seeded above) hold the curves' data, one size each.
	const curveUser = async (/** @type {number} */ i) => {
		const id = 2 + i;
		return { id, token: await login(`bench_${id}`) };
	};
	await sideBySide(
		{ name: "GET /api/v1/orders (first page)", unit: "orders", sizes: plan.orders },
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
			sizes: plan.notifications,
		},
		async (size, i) => {
			const user = await curveUser(plan.orders.length + i);
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
	const usersCurve = { name: "GET /api/v1/users/me", unit: "users", sizes: plan.users };
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
	curves.push({
		...usersCurve,
		p50: userPoints.flatMap(({ points }) => points.slice(-1).map((p) => p.p50)),
		growth: {
			p50: (most?.growth.p50 ?? 0) / (fewest?.growth.p50 ?? 1),
			rps: (most?.growth.rps ?? 0) / (fewest?.growth.rps ?? 1),
		},
	});
	// The same route for a user in each users shard: the shards must serve
	// alike. The bench users were registered by name, so some are in each.
	const shardUsers = new Map();
	for (let id = 2; id <= firstSessionUser + plan.load.connections; id++) {
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
	for (let i = 0; i <= plan.load.connections; i++) {
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
	const refresh = await measure("POST /api/v1/auth/refresh", {
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

	return { rows, hello, floor, orders, keyed, hash, login: loginRow, me: meRows, refresh, curves };
}

// `npm run soak`: a bounded load run against a running `npm run dev`, then a
// check that no acknowledged order was lost or duplicated.
//
//   npm run dev -- --port 8811 &    # in another terminal
//   npm run soak -- --base http://localhost:8811 --duration 60 --connections 8
//
// Each connection is a client that registers, logs in once, and then places
// orders (with an Idempotency-Key, sometimes retried with the same key, and
// without), lists, reads and cancels them; after STEPS requests it starts
// over as a new user, so registrations and logins go on throughout. Loopback
// only; it starts no server of its own. Afterwards it lists every user's
// orders and checks each acknowledged order is there exactly once, in the
// state the client left it. Prints throughput, p50/p99 latency and the
// answers by status; exits 1 on any 5xx, connection error, lost or
// duplicated order.
import { parseArgs } from "node:util";
import autocannon from "autocannon";

const { values } = parseArgs({
	options: {
		base: { type: "string", default: process.env.BASE ?? "http://localhost:8787" },
		duration: { type: "string", default: "60" },
		connections: { type: "string", default: "8" },
	},
});
const BASE = values.base.replace(/\/$/, "");
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
if (!/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(BASE)) {
	console.error(`--base must be a loopback URL such as http://localhost:8811 (got ${BASE})`);
	process.exit(2);
}
if (
	!(Number.isInteger(DURATION) && DURATION > 0 && Number.isInteger(CONNECTIONS) && CONNECTIONS > 0)
) {
	console.error("--duration (seconds) and --connections take whole numbers above 0");
	process.exit(2);
}

const PASSWORD = "correct horse battery";
// Requests a user makes after logging in, before its connection starts over as a new user.
const STEPS = 40;
const RUN = Date.now().toString(36);

const health = await fetch(`${BASE}/health`).catch(() => null);
if (health?.status !== 200) {
	console.error(`${BASE}/health is not 200: start \`npm run dev\` first (or pass --base).`);
	process.exit(2);
}

/** Every client (user) of the run, with what it was told. */
const users = [];
let userCount = 0;
const replayMismatches = [];

const json = (method, path, body, headers = {}) => ({
	method,
	path,
	headers: { "content-type": "application/json", ...headers },
	body: body === undefined ? undefined : JSON.stringify(body),
});

/** The client's next request after logging in: a weighted choice of what a shop's client does. */
function nextStep(user) {
	const auth = { authorization: `Bearer ${user.token}`, "cf-connecting-ip": user.ip };
	const open = [...user.acknowledged.values()].filter((id) => !user.cancelled.has(id));
	const pick = Math.random();
	user.seq += 1;
	const create = (pending, sku, headers) => {
		user.pending = { kind: pending, sku };
		return json("POST", "/api/v1/orders", { items: [{ sku, quantity: 1 }] }, headers);
	};
	if (pick < 0.3 || user.acknowledged.size === 0) {
		user.lastKeyed = { sku: `k-${user.seq}`, key: `key-${user.username}-${user.seq}` };
		return create("create", user.lastKeyed.sku, { ...auth, "idempotency-key": user.lastKeyed.key });
	}
	if (pick < 0.4 && user.lastKeyed) {
		// A retry of the last keyed create: replayed, never a second order.
		const { sku, key } = user.lastKeyed;
		return create("replay", sku, { ...auth, "idempotency-key": key });
	}
	if (pick < 0.55) return create("create", `u-${user.seq}`, auth);
	if (pick < 0.8) {
		user.pending = { kind: "list" };
		return json("GET", "/api/v1/orders?limit=20", undefined, auth);
	}
	if (pick < 0.9 || open.length === 0) {
		const ids = [...user.acknowledged.values()];
		user.pending = { kind: "get" };
		return json(
			"GET",
			`/api/v1/orders/${ids[Math.floor(Math.random() * ids.length)]}`,
			undefined,
			auth,
		);
	}
	const id = open[Math.floor(Math.random() * open.length)];
	user.pending = { kind: "cancel", id };
	return json("POST", `/api/v1/orders/${id}/cancel`, undefined, auth);
}

/** A response header by name, in whatever case the server wrote it. */
const header = (headers, name) =>
	Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

function onStep(status, body, { user }, headers) {
	const pending = user.pending;
	user.pending = null;
	if (pending?.kind === "create" && status === 201) {
		user.acknowledged.set(pending.sku, JSON.parse(body).id);
	}
	if (pending?.kind === "replay" && status === 201) {
		const { id } = JSON.parse(body);
		const first = user.acknowledged.get(pending.sku);
		// Without a first answer (it failed), the retry is the create.
		if (first === undefined) user.acknowledged.set(pending.sku, id);
		else if (id !== first || header(headers, "idempotent-replayed") !== "true") {
			replayMismatches.push({ user: user.username, sku: pending.sku, first, replay: id });
		}
	}
	if (pending?.kind === "cancel" && status === 200) user.cancelled.add(pending.id);
}

/** A registration or login of `user`, from its own address. */
const credentials = (path, user) =>
	json(
		"POST",
		path,
		{ username: user.username, password: PASSWORD },
		{
			"cf-connecting-ip": user.ip,
		},
	);

const requests = [
	{
		setupRequest(req, context) {
			userCount += 1;
			const user = {
				username: `soak_${RUN}_${userCount}`,
				// One address per client; `wrangler dev` may put its own in CF-Connecting-IP.
				ip: `10.${(userCount >> 16) & 255}.${(userCount >> 8) & 255}.${userCount & 255}`,
				registered: false,
				token: null,
				seq: 0,
				acknowledged: new Map(),
				cancelled: new Set(),
				pending: null,
				lastKeyed: null,
			};
			users.push(user);
			context.user = user;
			return { ...req, ...credentials("/api/v1/users", user) };
		},
		onResponse(status, _body, { user }) {
			user.registered = status === 201;
		},
	},
	{
		// Not registered (refused or rate limited): start over as another user.
		setupRequest: (req, { user }) =>
			user.registered ? { ...req, ...credentials("/api/v1/auth/login", user) } : null,
		onResponse(status, body, { user }) {
			if (status === 200) user.token = JSON.parse(body).accessToken;
		},
	},
	...Array.from({ length: STEPS }, () => ({
		setupRequest: (req, { user }) => (user.token ? { ...req, ...nextStep(user) } : null),
		onResponse: onStep,
	})),
];

console.log(
	`soak: ${DURATION} s against ${BASE}, ${CONNECTIONS} connections, a new user every ${STEPS + 2} requests`,
);
const result = await autocannon({
	url: BASE,
	connections: CONNECTIONS,
	duration: DURATION,
	requests,
	timeout: 10,
});

// Creates still in flight when the run stopped: the server may have stored
// them, but the client was never told.
const inFlight = new Set();
for (const user of users) {
	if (user.pending?.kind === "create") inFlight.add(`${user.username}/${user.pending.sku}`);
}

/** All of a user's orders, page by page. */
async function allOrders(user) {
	const orders = [];
	let cursor = null;
	do {
		const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
		const res = await fetch(`${BASE}/api/v1/orders?limit=100${query}`, {
			headers: { authorization: `Bearer ${user.token}` },
		});
		if (res.status !== 200) throw new Error(`listing ${user.username}: ${res.status}`);
		const page = await res.json();
		orders.push(...page.orders);
		cursor = page.nextCursor;
	} while (cursor);
	return orders;
}

const problems = [];
let acknowledged = 0;
let listedOnce = 0;
let cancelled = 0;
let storedInFlight = 0;
const withToken = users.filter((user) => user.token);
for (let n = 0; n < withToken.length; n += 8) {
	await Promise.all(
		withToken.slice(n, n + 8).map(async (user) => {
			const orders = await allOrders(user);
			const bySku = new Map();
			for (const order of orders) {
				const sku = order.items[0]?.sku;
				bySku.set(sku, [...(bySku.get(sku) ?? []), order]);
			}
			for (const [sku, id] of user.acknowledged) {
				acknowledged += 1;
				const listed = orders.filter((order) => order.id === id);
				if (listed.length === 1) listedOnce += 1;
				else problems.push(`${user.username}: order ${id} (${sku}) listed ${listed.length} times`);
				const expected = user.cancelled.has(id) ? "cancelled" : "created";
				if (
					listed[0] &&
					listed[0].status !== expected &&
					!(user.pending?.kind === "cancel" && user.pending.id === id)
				) {
					problems.push(
						`${user.username}: order ${id} is ${listed[0].status}, expected ${expected}`,
					);
				}
				if (expected === "cancelled") cancelled += 1;
			}
			for (const [sku, listed] of bySku) {
				if (listed.length > 1)
					problems.push(`${user.username}: ${listed.length} orders for one create (${sku})`);
				if (user.acknowledged.has(sku)) continue;
				if (inFlight.has(`${user.username}/${sku}`)) storedInFlight += 1;
				else
					problems.push(`${user.username}: order ${listed[0].id} (${sku}) that no one was told of`);
			}
		}),
	);
}
for (const mismatch of replayMismatches) {
	problems.push(
		`replay of ${mismatch.sku} for ${mismatch.user} gave ${mismatch.replay}, first ${mismatch.first}`,
	);
}

const byStatus = Object.fromEntries(
	Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, Number(count)]),
);
const serverErrors = Object.entries(byStatus)
	.filter(([status]) => Number(status) >= 500)
	.reduce((sum, [, count]) => sum + count, 0);
if (serverErrors > 0) problems.push(`${serverErrors} answers were 5xx`);
if (result.errors > 0)
	problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);

const total = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
console.log(
	[
		`requests: ${total} in ${result.duration} s, ${(total / result.duration).toFixed(0)} per second`,
		`latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
		`by status: ${Object.entries(byStatus)
			.map(([status, count]) => `${status} ${count}`)
			.join(", ")}`,
		`errors: 5xx ${serverErrors}, connection errors ${result.errors}, timeouts ${result.timeouts}`,
		`users: ${users.length} started, ${users.filter((u) => u.registered).length} registered, ${withToken.length} logged in`,
		`orders: ${acknowledged} acknowledged, ${listedOnce} of them listed exactly once, ${cancelled} cancelled; ${replayMismatches.length} replays that were not the first order; ${inFlight.size} creates in flight at the stop (${storedInFlight} stored)`,
		problems.length
			? `FAIL:\n  ${problems.slice(0, 20).join("\n  ")}`
			: "PASS: no 5xx, no lost or duplicated order",
	].join("\n"),
);
process.exit(problems.length ? 1 : 0);

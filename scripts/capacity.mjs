// `npm run capacity`: where this system tops out. Takes a load profile
// (registrations, logins, orders and reads per second; users; orders per
// user) and prints each part's utilisation and the first limit it meets,
// from the work each operation does (read off the code), the costs the last
// full `npm run bench` measured (bench/results.json) and Cloudflare's
// published limits. Every input names its source.
//
//   npm run capacity -- --registrations 5 --logins 20 --orders 50 --reads 200 \
//     --users 1000000 --orders-per-user 20
//   npm run capacity -- --write   rewrites the table in docs/SCALING.md
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";

/** A number and where it comes from. */
const input = (value, source) => ({ value, source });

const D1_LIMITS = "https://developers.cloudflare.com/d1/platform/limits/";
const DO_LIMITS = "https://developers.cloudflare.com/durable-objects/platform/limits/";
const DO_FAQ = "https://developers.cloudflare.com/durable-objects/reference/faq/";
const QUEUES_LIMITS = "https://developers.cloudflare.com/queues/platform/limits/";
const ROW_SIZES = "docs/SCALING.md, Row sizes (sqlite3 dbstat over 100,000 rows)";

/** The per-user order limit production runs with, as wrangler.toml sets it. */
function orderLimit() {
	const config = unstable_readConfig({
		config: fileURLToPath(new URL("../wrangler.toml", import.meta.url)),
		env: "production",
	});
	const limiter = config.ratelimits.find((binding) => binding.name === "ORDER_LIMITER")?.simple;
	if (!limiter) throw new Error("wrangler.toml has no production ORDER_LIMITER");
	return input(
		limiter.limit / limiter.period,
		`wrangler.toml ORDER_LIMITER (production): ${limiter.limit} per ${limiter.period} s per user`,
	);
}

const userWorkerProduction = () =>
	unstable_readConfig({
		config: fileURLToPath(new URL("../workers/user/wrangler.toml", import.meta.url)),
		env: "production",
	});

/** Production's number of tasks queues: the user worker's TASKS, TASKS_<i> producers. */
function productionTaskQueues() {
	const config = userWorkerProduction();
	const queues = config.queues.producers.filter((q) => /^TASKS(_\d+)?$/.test(q.binding)).length;
	return input(
		queues,
		`workers/user/wrangler.toml [env.production]: ${queues} tasks queues (TASKS, TASKS_<i>)`,
	);
}

/** Production's number of users shards: its USERS_DB_<i> bindings in workers/user/wrangler.toml. */
function productionShards() {
	const config = userWorkerProduction();
	const shards = config.d1_databases.filter((db) => /^USERS_DB_\d+$/.test(db.binding)).length;
	return input(
		shards,
		`workers/user/wrangler.toml [env.production]: ${shards} users databases (USERS_DB_<i>)`,
	);
}

/** Cloudflare's published limits. */
export const LIMITS = {
	d1QueryMs: input(
		1,
		`${D1_LIMITS} (FAQ): a database runs one query at a time; at 1 ms a query, about 1,000 queries/s`,
	),
	d1DatabaseBytes: input(10e9, `${D1_LIMITS}: 10 GB per database (Workers Paid)`),
	doRequestsPerSecond: input(1000, `${DO_FAQ}: a soft limit of about 1,000 requests/s per object`),
	doStorageBytes: input(10e9, `${DO_LIMITS}: 10 GB per SQLite-backed object`),
	queueMessagesPerSecond: input(5000, `${QUEUES_LIMITS}: 5,000 messages/s per queue`),
	orderRequestsPerUserPerSecond: orderLimit(),
	usersShards: productionShards(),
	taskQueues: productionTaskQueues(),
};

/** Work per operation, read off the code, and the bytes each row keeps, measured. */
export const WORK = {
	primaryStatementsPerRegistration: input(
		4,
		"workers/user/src/users.ts nameTaken (a read), insertUser (user + outbox, one batch) and outbox.ts sendEvents (marks the event sent), all on the name's shard",
	),
	primaryStatementsPerLogin: input(
		1,
		"workers/user/src/index.ts logIn: reads the primary (its session goes to the user's Account object)",
	),
	notificationBytes: input(180, `${ROW_SIZES}: a notification, its row and both indexes`),
	userBytes: input(230, `${ROW_SIZES}: a user, its row and the unique name index`),
	orderBytes: input(150, `${ROW_SIZES}: an order of one item, its row and its id index`),
};

/** The committed result of a full `npm run bench`, which writes it. */
const bench = JSON.parse(readFileSync(new URL("../bench/results.json", import.meta.url), "utf8"));
const BENCH = `bench/results.json (npm run bench at ${bench.commit.slice(0, 7)}, ${bench.date.slice(0, 10)})`;

/** A scenario's CPU ms per request on workerd: what it costs the runtime, all workers together. */
function cpuMs(scenario) {
	const row = bench.scenarios.find((s) => s.name === scenario);
	if (!row) throw new Error(`bench/results.json has no scenario "${scenario}": run npm run bench`);
	return input(row.cpuMs, `${BENCH}: ${scenario}, CPU ms per request`);
}

const login = cpuMs("POST /api/v1/auth/login");
export const MEASURED = {
	cpuMsPerOrder: cpuMs("POST /api/v1/orders"),
	cpuMsPerRead: cpuMs("GET /api/v1/users/me"),
	cpuMsPerLogin: login,
	// No bench row registers: nearly all of a registration's CPU is the hash a login does too.
	cpuMsPerRegistration: input(
		login.value,
		`${BENCH}: POST /api/v1/auth/login's, the same PBKDF2 hash (a registration's few writes are not measured)`,
	),
};

/** The load profile `docs/SCALING.md` is written for. */
export const PROFILE = {
	registrations: 5,
	logins: 20,
	orders: 50,
	reads: 200,
	users: 1_000_000,
	ordersPerUser: 20,
};

/** Each part's utilisation (1 = at its limit) under `profile`, and what drives it. */
export function model(profile) {
	const events = profile.registrations + profile.orders;
	const shards = LIMITS.usersShards.value;
	// A hash of the folded name spreads users, and their registrations and
	// logins, evenly over the shards; events reach no database (the user's
	// Account object holds the notification and the e-mail's address).
	const primaryStatements =
		(profile.registrations * WORK.primaryStatementsPerRegistration.value +
			profile.logins * WORK.primaryStatementsPerLogin.value) /
		shards;
	const notificationsPerUser = 1 + profile.ordersPerUser;
	const cap = LIMITS.orderRequestsPerUserPerSecond.value;
	const perUser = profile.users > 0 ? profile.orders / profile.users : profile.orders;
	const d1Bytes = (profile.users * WORK.userBytes.value) / shards;
	const accountBytes = notificationsPerUser * WORK.notificationBytes.value;
	const cpuSeconds =
		(profile.orders * MEASURED.cpuMsPerOrder.value +
			profile.reads * MEASURED.cpuMsPerRead.value +
			profile.logins * MEASURED.cpuMsPerLogin.value +
			profile.registrations * MEASURED.cpuMsPerRegistration.value) /
		1000;
	return [
		{
			part: "one users shard's D1 primary: time",
			kind: "rate",
			load: `${primaryStatements.toFixed(1)} statements/s (of ${shards} shards)`,
			utilisation: (primaryStatements * LIMITS.d1QueryMs.value) / 1000,
			grows: "with registrations and logins, over the shards",
		},
		{
			part: "one users shard's D1: storage",
			kind: "size",
			load: `${size(d1Bytes)} (its users, of ${shards} shards)`,
			utilisation: d1Bytes / LIMITS.d1DatabaseBytes.value,
			grows: "with users, over the shards",
		},
		{
			part: "the user id allocator (one UserIds object)",
			kind: "rate",
			load: `${round(profile.registrations)} ids/s`,
			utilisation: profile.registrations / LIMITS.doRequestsPerSecond.value,
			grows: "with registrations",
		},
		{
			part: "one tasks queue",
			kind: "rate",
			load: `${round(events / LIMITS.taskQueues.value)} messages/s (of ${LIMITS.taskQueues.value} queues)`,
			utilisation: events / LIMITS.taskQueues.value / LIMITS.queueMessagesPerSecond.value,
			grows: "with registrations and orders, over the queues by user",
		},
		{
			part: "one user's OrderBook: requests",
			// ORDER_LIMITER, not the traffic, sets this: no load reaches the object's limit.
			kind: "capped",
			load:
				perUser > cap
					? `${perUser.toFixed(1)}/s a user on average, past the per-user limit: the rest get 429`
					: `${perUser.toFixed(2)}/s a user on average; at most ${cap}/s (the per-user limit)`,
			utilisation: cap / LIMITS.doRequestsPerSecond.value,
			grows: "with one user's order requests; capped by ORDER_LIMITER",
		},
		{
			part: "one user's OrderBook: storage",
			kind: "size",
			load: size(profile.ordersPerUser * WORK.orderBytes.value),
			utilisation: (profile.ordersPerUser * WORK.orderBytes.value) / LIMITS.doStorageBytes.value,
			grows: "with one user's orders",
		},
		{
			part: "one user's Account object: storage",
			kind: "size",
			load: `${size(accountBytes)} (their notifications; sessions are a few rows)`,
			utilisation: accountBytes / LIMITS.doStorageBytes.value,
			grows: "with one user's orders (a notification each)",
		},
		{
			part: "workers (gateway, user, order): CPU",
			kind: "rate",
			load: `${cpuSeconds.toFixed(2)} CPU-s/s across Cloudflare's network`,
			utilisation: null,
			grows: "with every request; Workers scale out, so no ceiling here, only cost",
		},
	];
}

const round = (n) => Math.round(n).toLocaleString("en");
const size = (bytes) =>
	bytes >= 1e9
		? `${(bytes / 1e9).toFixed(2)} GB`
		: bytes >= 1e6
			? `${(bytes / 1e6).toFixed(1)} MB`
			: `${(bytes / 1e3).toFixed(1)} KB`;
const times = (u) =>
	u === 0 ? "no finite multiple of" : `${Number((1 / u).toPrecision(2)).toLocaleString("en")} ×`;
const percent = (u) => (u === null ? "n/a" : `${(u * 100).toFixed(u < 0.01 ? 2 : 1)}%`);

/** The model under `profile` as Markdown: the parts, and where load meets a limit first. */
export function report(profile) {
	const parts = model(profile);
	// A rate limit is met by more traffic, a size limit by more data kept: each has its own first.
	const first = (kind) =>
		parts
			.filter((p) => p.kind === kind && p.utilisation !== null)
			.reduce((a, b) => (b.utilisation > a.utilisation ? b : a));
	const rate = first("rate");
	const kept = first("size");
	const lines = [
		`Profile: ${profile.registrations} registrations/s, ${profile.logins} logins/s, ${profile.orders} orders/s, ${profile.reads} reads/s; ${profile.users.toLocaleString("en")} users with ${profile.ordersPerUser} orders each.`,
		"",
		"| part | load | utilisation | grows |",
		"|---|---|--:|---|",
		...parts.map((p) => `| ${p.part} | ${p.load} | ${percent(p.utilisation)} | ${p.grows} |`),
		"",
		`First limit of traffic: **${rate.part}**, at ${percent(rate.utilisation)}; the same mix meets it at ${times(rate.utilisation)} these rates.`,
		"",
		`First limit of data kept: **${kept.part}**, at ${percent(kept.utilisation)}; it is met at ${times(kept.utilisation)} these users and orders.`,
		"",
		"Inputs:",
		"",
		...Object.entries({ ...LIMITS, ...WORK, ...MEASURED }).map(
			([name, { value, source }]) => `- \`${name}\` = ${value.toLocaleString("en")}: ${source}`,
		),
	];
	return lines.join("\n");
}

const SCALING = "docs/SCALING.md";
const BEGIN = "<!-- capacity:begin (npm run capacity -- --write) -->";
const END = "<!-- capacity:end -->";

// Run as a script, not when a test imports the model.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	const { values } = parseArgs({
		options: {
			registrations: { type: "string" },
			logins: { type: "string" },
			orders: { type: "string" },
			reads: { type: "string" },
			users: { type: "string" },
			"orders-per-user": { type: "string" },
			write: { type: "boolean", default: false },
		},
	});

	if (values.write) {
		const doc = readFileSync(SCALING, "utf8");
		const start = doc.indexOf(BEGIN);
		const end = doc.indexOf(END);
		if (start === -1 || end === -1) throw new Error(`${SCALING} has no ${BEGIN} ... ${END} block`);
		const generated = `${BEGIN}\n${report(PROFILE)}\n${END}`;
		writeFileSync(SCALING, doc.replace(doc.slice(start, end + END.length), generated));
		console.log(`Wrote the model's table into ${SCALING}`);
	} else {
		const number = (flag, fallback) => {
			const n = flag === undefined ? fallback : Number(flag);
			if (!Number.isFinite(n) || n < 0) {
				console.error(`capacity: expected a number of 0 or more, got ${flag}`);
				process.exit(2);
			}
			return n;
		};
		console.log(
			report({
				registrations: number(values.registrations, PROFILE.registrations),
				logins: number(values.logins, PROFILE.logins),
				orders: number(values.orders, PROFILE.orders),
				reads: number(values.reads, PROFILE.reads),
				users: number(values.users, PROFILE.users),
				ordersPerUser: number(values["orders-per-user"], PROFILE.ordersPerUser),
			}),
		);
	}
}

// Serves the built workers and the bench's own workers on one workerd through
// Miniflare's API: no `wrangler dev` proxy and no Miniflare entry worker in
// front, since each worker under load answers on a socket of its own.
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { unstable_readConfig, unstable_splitSqlQuery } from "wrangler";
import { builtWorker } from "../scripts/build-workers.mjs";
import { workerConfigs } from "../scripts/wrangler.mjs";

const WORKERS_DIR = resolve(import.meta.dirname, "workers");

// The bench's workers share the project's compatibility date, so a baseline
// runs on the same runtime behaviour as what it is a baseline for.
const { compatibility_date: compatibilityDate } = unstable_readConfig({
	config: workerConfigs.gateway,
});

/**
 * Where the fresh state goes: a RAM-backed folder where the machine has one.
 * Local D1 and Durable Objects commit every write to SQLite files; on a disk
 * shared with other work, that commit's fsync swamps the CPU cost of the
 * writes (the floor ran at a sixth of its speed on /tmp here, and unsteadily)
 * and is nothing the production runtime does on this machine's disk.
 */
function stateRoot() {
	try {
		accessSync("/dev/shm", constants.W_OK);
		return "/dev/shm";
	} catch {
		return tmpdir();
	}
}

/**
 * Fields of /proc/<pid>/stat after the command: ppid is the 2nd, utime and
 * stime the 12th and 13th, starttime the 20th.
 */
const statFields = (/** @type {string} */ pid) =>
	readFileSync(`/proc/${pid}/stat`, "utf8")
		.replace(/^.*\) /s, "")
		.split(" ");

/**
 * CPU time workerd has used, all threads, in ms: what a request costs the
 * runtime, which other work on the machine delays but does not add to, unlike
 * latency and throughput. Linux only (procfs, in USER_HZ ticks of 10 ms);
 * elsewhere there is no such reading.
 * @returns {(() => number) | undefined}
 */
function workerdCpu() {
	try {
		// This process's newest workerd child: the one Miniflare just started.
		const pid = readdirSync("/proc")
			.filter(
				(entry) =>
					/^\d+$/.test(entry) &&
					readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "workerd" &&
					statFields(entry)[1] === String(process.pid),
			)
			.sort((a, b) => Number(statFields(b)[19]) - Number(statFields(a)[19]))[0];
		if (!pid) return undefined;
		return () => {
			const fields = statFields(pid);
			return (Number(fields[11]) + Number(fields[12])) * 10;
		};
	} catch {
		return undefined;
	}
}

/**
 * Resolves once workerd has used under a tenth of a core for a quarter of a
 * second (or after a minute, whichever comes first).
 * @param {(() => number) | undefined} cpuMs
 */
async function idle(cpuMs) {
	if (!cpuMs) return;
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const before = cpuMs();
		await new Promise((resolve) => setTimeout(resolve, 250));
		if (cpuMs() - before < 25) return;
	}
}

/** Loopback only, on a port the OS picks. */
const OWN_SOCKET = [{ host: "127.0.0.1", port: 0 }];

/**
 * A bench worker from bench/workers: plain JS modules, no build step. The
 * first file is the entry; the others are the modules it imports.
 * @param {string} name
 * @param {string | string[]} files
 * @param {Partial<import("miniflare").V4WorkerOptions>} [options]
 * @returns {import("miniflare").V4WorkerOptions}
 */
function benchWorker(name, files, options = {}) {
	return {
		name,
		compatibilityDate,
		modulesRoot: WORKERS_DIR,
		modules: [files].flat().map((file) => ({ type: "ESModule", path: join(WORKERS_DIR, file) })),
		...options,
	};
}

/**
 * A rate limit no bench run reaches, under its own counters.
 * @param {string} name
 */
const outOfReach = (name) => ({
	namespace_id: `bench-${name}`,
	simple: { limit: 1_000_000_000, period: /** @type {60} */ (60) },
});

/**
 * The floor's three workers under `prefix`. With PLATFORM "on" (the floor the
 * bench compares with) they also do the platform work the design requires of
 * the order path: the per-user limit, the user read from a replica, the event
 * in an outbox in the same transaction, sent to the tasks queue by an alarm.
 * "off" is the bare path first measured against (docs/PERFORMANCE.md), kept for comparison.
 * @param {string} prefix
 * @param {"on" | "off"} platform
 * @param {import("miniflare").V4WorkerOptions} gateway
 * @returns {import("miniflare").V4WorkerOptions[]}
 */
function floorWorkers(prefix, platform, gateway) {
	const bindings = { PLATFORM: platform };
	return [
		benchWorker(`${prefix}-gateway`, ["floor/gateway.js", "floor/log.js"], {
			bindings: { ...bindings, JWT_SECRET: gateway.bindings?.JWT_SECRET ?? "" },
			ratelimits: { ORDER_LIMITER: outOfReach("ORDER_LIMITER") },
			serviceBindings: {
				ORDER_SERVICE: { name: `${prefix}-order`, entrypoint: "FloorOrderService" },
			},
		}),
		benchWorker(`${prefix}-order`, ["floor/order.js", "floor/log.js"], {
			bindings,
			durableObjects: { ORDER_BOOK: { className: "FloorOrderBook", useSQLite: true } },
			queueProducers: { TASKS: { queueName: "tasks" } },
			serviceBindings: { USER_SERVICE: { name: `${prefix}-user`, entrypoint: "FloorUserService" } },
		}),
		// A users database of its own, holding the bench's user (serve() writes
		// it): the floor's user check is one read of one database, as the
		// app's was before users were sharded.
		benchWorker(`${prefix}-user`, ["floor/user.js", "floor/log.js"], {
			bindings,
			d1Databases: { DB: FLOOR_USERS_DB },
		}),
	];
}

/**
 * Log lines the workers wrote, by level. Counted, not printed: under load
 * they are thousands a second, and a bench that prints them measures the
 * terminal. Errors are kept so a failing run can say why.
 */
class LogCounts {
	/** @type {Record<string, number>} */
	counts = {};
	/** @type {string[]} */
	errors = [];

	/** @param {{ level: string, message: string }} log */
	add = ({ level, message }) => {
		this.counts[level] = (this.counts[level] ?? 0) + 1;
		if (level === "error" && this.errors.length < 20) this.errors.push(message);
	};
}

/** The floor's users database (its user worker's `DB`), apart from the app's shards. */
const FLOOR_USERS_DB = "bench-floor-users";

/**
 * The users databases' migrations, as `wrangler d1 migrations apply` reads
 * them: the user worker's config names the folder (the same for every shard).
 */
async function usersMigrations() {
	const config = unstable_readConfig({ config: workerConfigs.user });
	const [db] = config.d1_databases;
	const folder = resolve(
		dirname(config.configPath ?? workerConfigs.user),
		db?.migrations_dir ?? "",
	);
	const files = (await readdir(folder)).filter((file) => file.endsWith(".sql")).sort();
	return Promise.all(
		files.map(async (file) => unstable_splitSqlQuery(await readFile(join(folder, file), "utf8"))),
	);
}

/**
 * Starts every worker of the bench with fresh state in a temporary folder,
 * the users database migrated. The gateway's JWT_SECRET is found where
 * wrangler finds it (.dev.vars, or the environment); the floor checks tokens
 * with the same one.
 */
export async function serve() {
	const state = await mkdtemp(join(stateRoot(), "bench-state-"));
	const logs = new LogCounts();
	// The bench measures what requests cost, so the gateway's rate limits are
	// set out of reach (a load test from one address would otherwise measure
	// 429s); each request still pays for its limiter calls. Every limiter the
	// config declares, so a new one is not left unbound here.
	const { assets, ...configured } = builtWorker("gateway");
	const gateway = {
		...configured,
		ratelimits: Object.fromEntries(
			Object.keys(configured.ratelimits ?? {}).map((name) => [name, outOfReach(name)]),
		),
	};
	// No consumer for the tasks queue: in production it runs in invocations of
	// its own, apart from the requests whose events it handles, while here it
	// would share workerd's one thread with them. Events still go to the queue.
	const { queueConsumers: _consumers, ...user } = builtWorker("user");
	const order = builtWorker("order");
	const workers = [
		// The gateway as its worker: with the docs page's static assets bound,
		// Miniflare puts its JavaScript model of Cloudflare's asset router in
		// front of every request (run_worker_first), which in production is the
		// platform's own routing, not the worker's CPU. The same gateway with its
		// assets, as `wrangler dev` serves it, is measured beside it.
		gateway,
		{ ...gateway, name: "gateway-with-assets", assets },
		user,
		order,
		benchWorker("hello", "hello.js"),
		benchWorker("hash", "hash.js"),
		...floorWorkers("floor", "on", gateway),
		...floorWorkers("bare-floor", "off", gateway),
		benchWorker("seed", "seed.js", {
			durableObjects: {
				ORDER_BOOK: { className: "OrderBook", scriptName: order.name, useSQLite: true },
			},
		}),
	];
	const served = [
		"gateway",
		"gateway-with-assets",
		"hello",
		"hash",
		"floor-gateway",
		"bare-floor-gateway",
	];
	const mf = new Miniflare(
		convertV4MiniflareOptions({
			workers: workers.map((worker) =>
				served.includes(worker.name ?? "")
					? { ...worker, unsafeDirectSockets: OWN_SOCKET }
					: worker,
			),
			resourcePersistencePath: state,
			// The placeholder `request.cf`: fetching the real one needs the network.
			cf: false,
			handleStructuredLogs: logs.add,
			log: new Log(LogLevel.WARN),
		}),
	);
	const dispose = async () => {
		await mf.dispose();
		await rm(state, { recursive: true, force: true });
	};
	try {
		await mf.ready;
		// Every shard of the app's users, and the floor's own users database,
		// migrated; the floor's holds the bench's user, id 1 (the first
		// registration), whom the floor checks for each of its orders.
		const shards = await Promise.all(
			Object.keys(user.d1Databases ?? {})
				.sort()
				.map((binding) => mf.getD1Database(binding, user.name)),
		);
		const floorUsers = await mf.getD1Database("DB", "floor-user");
		for (const db of [...shards, floorUsers]) {
			for (const queries of await usersMigrations()) {
				await db.batch(queries.map((query) => db.prepare(query)));
			}
		}
		await floorUsers
			.prepare(
				"INSERT INTO users (id, username, username_key, password_hash, created_at) VALUES (1, 'bench', 'bench', 'x', 0)",
			)
			.run();
		/** The shard that holds a user's row. */
		const shardOfUser = async (/** @type {number} */ userId) => {
			for (const shard of shards) {
				if (await shard.prepare("SELECT 1 FROM users WHERE id = ?").bind(userId).first())
					return shard;
			}
			throw new Error(`no shard holds user ${userId}`);
		};
		/** @type {Record<string, URL>} */
		const urls = {};
		for (const name of served) urls[name] = await mf.unsafeGetDirectURL(name);
		const seeder = await mf.getWorker("seed");
		const cpuMs = workerdCpu();
		return {
			state,
			cpuMs,
			urls,
			logs,
			/**
			 * Grows the users tables to `total` users in all, the added ones spread
			 * evenly over the shards, one statement each. They are filler (ids from
			 * a million up, which registrations here never reach; names nobody logs
			 * in with): the users the bench logs in as are registered through the API.
			 */
			seedUsers: async (/** @type {number} */ total) => {
				let count = 0;
				for (const shard of shards) {
					count += (await shard.prepare("SELECT count(*) AS n FROM users").first("n")) ?? 0;
				}
				const missing = Math.max(0, total - count);
				for (const [index, shard] of shards.entries()) {
					const share = Math.ceil(missing / shards.length);
					await shard
						.prepare(
							`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
							INSERT INTO users (id, username, username_key, password_hash, created_at)
							SELECT ?2 + i, 'filler_' || (?2 + i), 'filler_' || (?2 + i), 'x', ?3 FROM n`,
						)
						.bind(share, 1_000_000 + index * 10_000_000 + count, Date.now())
						.run();
				}
			},
			/** How many users shards the user worker has. */
			shardCount: shards.length,
			/** The index of the shard that holds a user's row. */
			shardIndexOf: async (/** @type {number} */ userId) =>
				shards.indexOf(await shardOfUser(userId)),
			/** Gives the user `count` more notifications, as the tasks consumer records them. */
			seedNotifications: async (/** @type {number} */ userId, /** @type {number} */ count) => {
				await (await shardOfUser(userId))
					.prepare(
						`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
						INSERT INTO notifications (id, user_id, kind, created_at, emailed_at)
						SELECT lower(hex(randomblob(16))), ?1, 'welcome', ?3, ?3 FROM n`,
					)
					.bind(userId, count, Date.now())
					.run();
			},
			/**
			 * Adds `count` orders to the user's OrderBook through its own RPC method,
			 * then waits until workerd is idle: each order's event leaves through
			 * the object's alarm, and a measurement taken while that runs measures it.
			 */
			seedOrders: async (/** @type {number} */ userId, /** @type {number} */ count) => {
				const response = await seeder.fetch(`http://seed/?user=${userId}&count=${count}`);
				if (!response.ok) throw new Error(`seeding orders failed: ${await response.text()}`);
				await response.arrayBuffer();
				await idle(cpuMs);
			},
			dispose,
		};
	} catch (error) {
		await dispose();
		throw error;
	}
}

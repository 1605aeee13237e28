// Redrive requests: a row in redrive_requests in the first users database,
// which the user worker's cron carries out (workers/user/src/scheduled.ts):
// every event sent between `since` and the request is sent again. Written by
// `npm run redrive` and by `npm run dev` after a session that stopped.
import { spawnWrangler, usersDatabases, workerConfigs } from "./wrangler.mjs";

/** Now on the database's own clock, in milliseconds: the request's end. */
const NOW_MS = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/**
 * Runs one statement on the first users database (where the cron looks)
 * and resolves to its rows.
 * @param {string} sql
 * @param {{ where: string[], env?: string }} target `where`: `--local --persist-to DIR` or `--remote`
 * @returns {Promise<Record<string, unknown>[]>}
 */
export function execute(sql, { where, env }) {
	const database = usersDatabases(env)[0];
	if (!database) throw new Error("workers/user/wrangler.toml binds no users database");
	const child = spawnWrangler(
		[
			"d1",
			"execute",
			database,
			...where,
			...(env ? ["--env", env] : []),
			"-c",
			workerConfigs.user,
			"--json",
			"--yes",
			"--command",
			sql,
		],
		{ stdio: ["ignore", "pipe", "inherit"] },
	);
	let output = "";
	child.stdout.on("data", (chunk) => {
		output += chunk;
	});
	return new Promise((resolve, reject) => {
		child.on("error", reject);
		child.on("exit", (code) => {
			if (code !== 0) return reject(new Error(`wrangler d1 execute failed (${code}): ${output}`));
			resolve(JSON.parse(output)[0]?.results ?? []);
		});
	});
}

/**
 * Asks for a redrive of what was sent since `since`: `{ agoMs }` before now
 * on the database's clock (what an operator means by "the last 2 hours"),
 * or `{ atMs }`, a time of this machine's clock (npm run dev's heartbeat).
 * Resolves to the request's row.
 * @param {{ agoMs: number } | { atMs: number }} since
 * @param {{ where: string[], env?: string }} target
 */
export async function requestRedrive(since, target) {
	const start =
		"agoMs" in since ? `${NOW_MS} - ${Math.round(since.agoMs)}` : String(Math.round(since.atMs));
	const [row] = await execute(
		`INSERT INTO redrive_requests (since, requested_at) VALUES (${start}, ${NOW_MS}) RETURNING id, since, requested_at`,
		target,
	);
	if (!row) throw new Error("the redrive request was not written");
	return row;
}

/** The last `limit` requests, newest first, and how far each has got. */
export function recentRedrives(target, limit = 5) {
	return execute(
		`SELECT id, since, requested_at, user_events, books, order_events, done_at FROM redrive_requests ORDER BY id DESC LIMIT ${limit}`,
		target,
	);
}

/**
 * Has a running `npm run dev` on `port` run its scheduled work now (the
 * gateway forwards cron events to the user worker); false if nothing answers.
 */
export async function triggerScheduled(port) {
	try {
		const res = await fetch(`http://localhost:${port}/cdn-cgi/handler/scheduled`);
		await res.arrayBuffer();
		return res.ok;
	} catch {
		return false;
	}
}

// Runs wrangler offline: no telemetry, no request for the dev server's `cf` object.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";

// Run the project's wrangler with this Node (22+ from the `node` devDependency),
// whether or not node_modules/.bin is on PATH.
const wranglerBin = fileURLToPath(
	new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url),
);

/** What keeps wrangler offline, in its own process or in one it is spawned in. */
export const OFFLINE = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/** The three workers' configs, dependencies first (the order they deploy in). */
export const workerConfigs = {
	user: "workers/user/wrangler.toml",
	order: "workers/order/wrangler.toml",
	gateway: "wrangler.toml",
};

/**
 * The users databases (one per shard, workers/user/wrangler.toml) of an
 * environment: each gets every migration.
 * @param {string | undefined} env
 * @returns {string[]}
 */
export function usersDatabases(env = undefined) {
	const config = unstable_readConfig({ config: workerConfigs.user, ...(env ? { env } : {}) });
	return config.d1_databases.map((/** @type {{ database_name: string }} */ db) => db.database_name);
}

/** Applies the users migrations to every shard, `where` being `--local ...` or `--remote --env production`. */
export async function migrateUsersDatabases(/** @type {string[]} */ where, env = undefined) {
	for (const name of usersDatabases(env)) {
		await wrangler(["d1", "migrations", "apply", name, ...where, "-c", workerConfigs.user]);
	}
}

export function spawnWrangler(args, options = {}) {
	return spawn(process.execPath, [wranglerBin, ...args], {
		stdio: "inherit",
		// Read at spawn time, so settings the caller made after importing this reach wrangler.
		env: { ...process.env, ...OFFLINE },
		...options,
	});
}

/** Resolves when wrangler exits 0; rejects otherwise. */
export function wrangler(args, options = {}) {
	return new Promise((resolve, reject) => {
		const child = spawnWrangler(args, options);
		child.on("error", reject);
		child.on("exit", (code, signal) =>
			code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} failed (${signal ?? code})`)),
		);
	});
}

// `npm run deploy`: the production environment, in dependency order. D1
// migrations first, so new code never meets an old schema; then the workers
// that others bind to before the workers that bind to them.
//
// The user and order workers bind each other (user -> order: the deletion
// cascade's eraseOrders; order -> user: the user check before an order), so
// one of them must go up before the worker it binds. Cloudflare refuses to
// upload a worker whose service binding names a worker that does not exist
// ("Service binding 'ORDER_SERVICE' references Worker 'order-service' which
// was not found"), so on an account's first deploy user-service could not go
// up.
// Then, and only then, a placeholder order-service goes up first
// (order-service-placeholder.mjs: fetch answers 503, every RPC method throws
// "not deployed yet"); user-service binds to it, and the real order-service
// replaces it moments later in this run. Nothing reaches it meanwhile but
// what the tasks consumer might hand eraseOrders, which it retries (5 s, 10 s
// ...): the gateway goes up last. Every later deploy finds order-service and
// skips the placeholder.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { copyDocsAssets } from "./docs-assets.mjs";
import {
	migrateUsersDatabases,
	OFFLINE,
	spawnWrangler,
	workerConfigs,
	wrangler,
} from "./wrangler.mjs";

/** Its `name` is the worker user-service binds; the check and the upload both use it. */
const PLACEHOLDER = "scripts/order-service-placeholder.toml";
/** The API's "no such Worker" codes (wrangler's own isWorkerNotFoundError). */
const WORKER_NOT_FOUND = new Set([10007, 10090]);

/**
 * Whether the worker PLACEHOLDER names exists in the account:
 * `wrangler deployments list` succeeds for a worker that exists (with or
 * without deployments) and fails with a "no such Worker" code for one that
 * does not. Wrangler's exit status alone cannot tell that failure from an
 * expired token or a network error, and taking one of those for "missing"
 * would replace a live order-service with the placeholder; so the code is
 * read from wrangler's output file (ND-JSON, its `command-failed` entry),
 * and any other failure stops the deploy.
 */
async function orderServiceExists() {
	const dir = mkdtempSync(join(tmpdir(), "deploy-"));
	const outputFile = join(dir, "wrangler-output.json");
	try {
		const code = await new Promise((resolve, reject) => {
			const child = spawnWrangler(["deployments", "list", "-c", PLACEHOLDER, "--json"], {
				env: { ...process.env, ...OFFLINE, WRANGLER_OUTPUT_FILE_PATH: outputFile },
			});
			child.on("error", reject);
			child.on("exit", (exitCode, signal) => resolve(signal ?? exitCode));
		});
		if (code === 0) return true;
		let entries = [];
		try {
			entries = readFileSync(outputFile, "utf8")
				.split("\n")
				.filter(Boolean)
				.map((line) => JSON.parse(line));
		} catch {
			// No output file: wrangler failed before it could say why.
		}
		const failure = entries.find((entry) => entry.type === "command-failed");
		if (WORKER_NOT_FOUND.has(failure?.code)) return false;
		throw new Error(
			`wrangler deployments list failed (${code}${failure?.code ? `, code ${failure.code}` : ""}), ` +
				"so it is unknown whether order-service exists; nothing was deployed",
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

copyDocsAssets();

// Asked first, so a failure to ask changes nothing.
console.log("Is there an order-service yet? (user-service cannot be uploaded without one)");
const firstDeploy = !(await orderServiceExists());

// Every users shard of production (workers/user/wrangler.toml [env.production]).
await migrateUsersDatabases(["--remote", "--env", "production"], "production");

if (firstDeploy) {
	console.log(
		"No order-service yet (the error above): uploading a placeholder for user-service to bind; the real one follows.",
	);
	await wrangler(["deploy", "-c", PLACEHOLDER]);
}

for (const config of Object.values(workerConfigs)) {
	await wrangler(["deploy", "-c", config, "--env", "production"]);
}

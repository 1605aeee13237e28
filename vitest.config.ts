import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { builtWorker } from "./scripts/build-workers.mjs";
import { LogLeaks, secretsOfTests } from "./test/log-leaks.ts";
import { WorkerLogs } from "./test/worker-logs.ts";

// The gateway's required secret, found by wrangler where CI keeps secrets: in
// the environment (a developer's .dev.vars wins, if there is one).
process.env.JWT_SECRET ??= "test-secret-".padEnd(48, "x");
// wrangler.toml declares the key rotation's two as well; empty: no rotation
// under way (tests that rotate bind their own), and no missing-secret warning.
process.env.JWT_PREVIOUS_SECRET ??= "";
process.env.JWT_PREVIOUS_SECRET_RETIRED_AT ??= "";
// Keeps wrangler from announcing where it found it, once per test file;
// warnings and errors still show.
process.env.WRANGLER_LOG ??= "warn";

// The users database as D1 migrations build it; test setup files apply them.
const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

// The internal workers join as the bundles `wrangler deploy --dry-run` built
// (test/build-workers.ts): the configs below are functions, called when the
// pool starts, after that build.

// The production environment's registration and refresh limits, bound beside
// the development ones so a test can hold the gateway to them.
const productionLimiters: { name: string; simple: { limit: number; period: 10 | 60 } }[] =
	unstable_readConfig({ config: "./wrangler.toml", env: "production" }).ratelimits;
function productionLimit(name: string) {
	const limiter = productionLimiters.find((candidate) => candidate.name === name);
	if (!limiter) throw new Error(`wrangler.toml has no production ${name}`);
	return limiter.simple;
}

// The users databases (one per shard) as workers/user/wrangler.toml names
// them locally, bound again in the test runners as TEST_USERS_DB_<i> so
// tests can set them up and look inside.
const usersShards = Object.fromEntries(
	unstable_readConfig({ config: "./workers/user/wrangler.toml" }).d1_databases.map(
		(db: { database_id?: string; database_name?: string }, i: number) => [
			`TEST_USERS_DB_${i}`,
			db.database_id ?? db.database_name,
		],
	),
);

// No log line of the run may hold a password, hash or token: the runners'
// lines and the internal workers' are checked, and a leak fails the run.
const leaks = new LogLeaks([process.env.JWT_SECRET, ...secretsOfTests(import.meta.dirname)]);

// The order worker as the user worker's deletion cascade sees it where the
// real one is not in the run: a recording stub (test/order-stub.js). In the
// order worker's own run it stands in for the binding back to the runner.
const orderStub = {
	name: "order-service",
	modules: [
		{ type: "ESModule" as const, path: path.join(import.meta.dirname, "test/order-stub.js") },
	],
	compatibilityDate: "2026-10-01",
};

export default defineConfig({
	test: {
		globalSetup: ["./test/build-workers.ts"],
		// Worker logs show for failing tests only: the runner's through Vitest,
		// the internal workers' through WorkerLogs.
		silent: "passed-only",
		// FIGURES=1 (as `npm run chaos` sets) lists each test with the figures it
		// annotates; otherwise a passing run prints only the summary.
		reporters: [
			process.env.FIGURES ? "verbose" : "default",
			new WorkerLogs((line) => leaks.inspect(line, "internal worker")),
			leaks,
		],
		projects: [
			{
				plugins: [
					cloudflareTest(() => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								TEST_MIGRATIONS: migrations,
								// A few seconds in `npm test`; `npm run chaos` runs a minute.
								TEST_CHAOS_SECONDS: Number(process.env.CHAOS_SECONDS ?? 8),
							},
							d1Databases: usersShards,
							// The internal workers' log lines, for tests that follow a trace across them.
							serviceBindings: { TEST_LOGS: "log-collector" },
							ratelimits: {
								// Its own counters: the development limiter's must not count against it.
								TEST_PRODUCTION_REGISTRATION_LIMITER: {
									namespace_id: "test-production-registrations",
									simple: productionLimit("REGISTRATION_LIMITER"),
								},
								TEST_PRODUCTION_REFRESH_LIMITER: {
									namespace_id: "test-production-refreshes",
									simple: productionLimit("REFRESH_LIMITER"),
								},
							},
							workers: [
								{ ...builtWorker("user"), tails: ["log-collector"] },
								{ ...builtWorker("order"), tails: ["log-collector"] },
								{
									name: "log-collector",
									modules: [
										{
											type: "ESModule",
											path: path.join(import.meta.dirname, "test/log-collector.js"),
										},
									],
									compatibilityDate: "2026-10-01",
								},
							],
						},
					})),
				],
				test: {
					name: "gateway",
					// test/contract.test.ts: the check its requests put every response through.
					include: ["workers/gateway/**/*.test.ts", "test/contract.test.ts"],
					setupFiles: ["./test/apply-migrations.ts"],
				},
			},
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./workers/user/wrangler.toml" },
						miniflare: {
							bindings: { TEST_MIGRATIONS: migrations },
							d1Databases: usersShards,
							// Deliveries the tests wait for come within 50 ms, not wrangler.toml's 1 s.
							queueConsumers: {
								tasks: { maxBatchTimeout: 0.05 },
								"tasks-1": { maxBatchTimeout: 0.05 },
								"tasks-dlq": { maxBatchTimeout: 0.05 },
							},
							workers: [orderStub],
						},
					}),
				],
				test: {
					name: "user",
					include: ["workers/user/**/*.test.ts"],
					setupFiles: ["./test/apply-migrations.ts"],
				},
			},
			{
				plugins: [
					cloudflareTest(() => ({
						wrangler: { configPath: "./workers/order/wrangler.toml" },
						miniflare: { workers: [builtWorker("user"), orderStub] },
					})),
				],
				// The shared contracts' own tests run here: they need no bindings.
				test: { name: "order", include: ["workers/order/**/*.test.ts", "shared/**/*.test.ts"] },
			},
			// The tooling's own tests (the log leak check, the capacity model, the wrangler configs,
			// the docs), in Node like the tooling.
			{
				test: {
					name: "tooling",
					include: [
						"test/log-leaks.test.ts",
						"scripts/capacity.test.ts",
						"scripts/config.test.ts",
						"scripts/docs.test.ts",
						"scripts/dev-front.test.ts",
					],
					environment: "node",
				},
			},
		],
	},
});

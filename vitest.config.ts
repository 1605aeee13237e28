import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { builtWorker } from "./scripts/build-workers.mjs";
import { WorkerLogs } from "./test/worker-logs.ts";

// The gateway's required secret, found by wrangler where CI keeps secrets: in
// the environment (a developer's .dev.vars wins, if there is one).
process.env.JWT_SECRET ??= "test-secret-".padEnd(48, "x");
// Keeps wrangler from announcing where it found it, once per test file;
// warnings and errors still show.
process.env.WRANGLER_LOG ??= "warn";

// The users database as D1 migrations build it; test setup files apply them.
const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));

// The internal workers join as the bundles `wrangler deploy --dry-run` built
// (test/build-workers.ts): the configs below are functions, called when the
// pool starts, after that build.

// The id workers/user/wrangler.toml gives the local users database, bound
// again in the test runners so tests can set it up and look inside.
const USERS_DB_ID = "00000000-0000-0000-0000-000000000000";

export default defineConfig({
	test: {
		globalSetup: ["./test/build-workers.ts"],
		// Worker logs show for failing tests only: the runner's through Vitest,
		// the internal workers' through WorkerLogs.
		silent: "passed-only",
		reporters: ["default", new WorkerLogs()],
		projects: [
			{
				plugins: [
					cloudflareTest(() => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: { TEST_MIGRATIONS: migrations },
							d1Databases: { TEST_USERS_DB: USERS_DB_ID },
							workers: [builtWorker("user"), builtWorker("order")],
						},
					})),
				],
				test: {
					name: "gateway",
					include: ["workers/gateway/**/*.test.ts"],
					setupFiles: ["./test/apply-migrations.ts"],
				},
			},
			{
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./workers/user/wrangler.toml" },
						miniflare: {
							bindings: { TEST_MIGRATIONS: migrations },
							d1Databases: { TEST_USERS_DB: USERS_DB_ID },
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
						miniflare: { workers: [builtWorker("user")] },
					})),
				],
				test: { name: "order", include: ["workers/order/**/*.test.ts"] },
			},
		],
	},
});

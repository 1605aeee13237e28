import { readdirSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The users database as D1 migrations build it; test setup files apply them.
const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
// The id workers/user/wrangler.toml gives the local users database.
const USERS_DB_ID = "00000000-0000-0000-0000-000000000000";
const compatibilityDate = "2026-10-01";

/**
 * A bundle from `wrangler deploy --dry-run`: index.js first (the entry), then
 * the text modules beside it (the Durable Object's SQL migrations). Called
 * when the pool starts, after test/build-workers.ts has built the bundles.
 */
function bundle(name: string) {
	const dir = path.join(import.meta.dirname, "dist", name);
	const sql = readdirSync(dir).filter((file) => file.endsWith(".sql"));
	return [
		{ type: "ESModule" as const, path: path.join(dir, "index.js") },
		...sql.map((file) => ({ type: "Text" as const, path: path.join(dir, file) })),
	];
}

// The internal workers as auxiliaries. Miniflare takes auxiliaries as options,
// not wrangler.toml, so their bindings are restated here.
const userWorker = () => ({
	name: "user-service",
	modules: bundle("user"),
	compatibilityDate,
	d1Databases: { DB: USERS_DB_ID },
});
const orderWorker = () => ({
	name: "order-service",
	modules: bundle("order"),
	compatibilityDate,
	durableObjects: { ORDER_BOOK: { className: "OrderBook", useSQLite: true } },
	serviceBindings: { USER_SERVICE: { name: "user-service", entrypoint: "UserService" } },
});

export default defineConfig({
	test: {
		globalSetup: ["./test/build-workers.ts"],
		// Every worker logs a JSON line per request; show them for failing tests only.
		silent: "passed-only",
		projects: [
			{
				plugins: [
					cloudflareTest(() => ({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: { TEST_MIGRATIONS: migrations, JWT_SECRET: "test-secret-".padEnd(48, "x") },
							// The same database the user worker sees, for setup and assertions.
							d1Databases: { TEST_USERS_DB: USERS_DB_ID },
							workers: [userWorker(), orderWorker()],
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
						miniflare: { workers: [userWorker()] },
					})),
				],
				test: { name: "order", include: ["workers/order/**/*.test.ts"] },
			},
		],
	},
});

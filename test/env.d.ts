// Bindings that exist only in test runs (see vitest.config.ts).
declare namespace Cloudflare {
	interface Env {
		TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
		/** The users databases, one per shard (workers/user/wrangler.toml). */
		TEST_USERS_DB_0: D1Database;
		TEST_USERS_DB_1: D1Database;
		TEST_PRODUCTION_REGISTRATION_LIMITER: RateLimit;
		TEST_PRODUCTION_REFRESH_LIMITER: RateLimit;
		/** test/log-collector.js: the internal workers' log lines by trace id. */
		TEST_LOGS: Fetcher;
		/** How long the fault test runs (CHAOS_SECONDS; `npm run chaos` sets 60). */
		TEST_CHAOS_SECONDS: number;
	}
}

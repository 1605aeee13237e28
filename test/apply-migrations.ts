import { applyD1Migrations, env } from "cloudflare:test";

// Setup files may run more than once; applyD1Migrations skips applied ones.
await applyD1Migrations(env.TEST_USERS_DB, env.TEST_MIGRATIONS);

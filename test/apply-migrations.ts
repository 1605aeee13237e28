import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { testUsersShards } from "./users-shards";

// Setup files run outside per-file storage isolation and may run more than
// once; applyD1Migrations skips migrations already applied. Every shard has
// the same schema.
for (const shard of testUsersShards()) await applyD1Migrations(shard, env.TEST_MIGRATIONS);

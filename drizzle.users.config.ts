import { defineConfig } from "drizzle-kit";

// Users live in D1; `wrangler d1 migrations apply` runs the SQL written here.
export default defineConfig({
	dialect: "sqlite",
	schema: "./workers/user/src/db/schema.ts",
	out: "./migrations",
});

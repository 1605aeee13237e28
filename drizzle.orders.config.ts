import { defineConfig } from "drizzle-kit";

// Orders live in each user's Durable Object, which applies these on start.
export default defineConfig({
	dialect: "sqlite",
	driver: "durable-sqlite",
	schema: "./workers/order/src/db/schema.ts",
	out: "./workers/order/drizzle",
});

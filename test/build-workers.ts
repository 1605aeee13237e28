// Vitest global setup: the user and order workers join the gateway's test run
// as the same bundles `wrangler deploy` would upload.
import { buildWorkers } from "../scripts/build-workers.mjs";

export default async function setup(): Promise<void> {
	await buildWorkers(["user", "order"]);
}

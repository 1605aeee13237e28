// The OpenAPI document exactly as the gateway serves it: its handler, from
// the bundle `wrangler deploy` uploads, asked for /openapi.json without a
// server. Read by `npm run lint:openapi` (Redocly) and `npm run client:generate`
// (the typed client's types), so both see what a client of the gateway sees.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { unstable_readConfig } from "wrangler";
import { buildWorkers } from "./build-workers.mjs";
import { workerConfigs } from "./wrangler.mjs";

/**
 * The document in each environment: with the tutorial's routes
 * (development) and without (production).
 * @returns {Promise<{ development: Record<string, unknown>, production: Record<string, unknown> }>}
 */
export async function servedDocuments() {
	await buildWorkers(["gateway"]);
	const { default: gateway } = await import(pathToFileURL(resolve("dist/gateway/index.js")).href);
	// The gateway logs one JSON line per request; here that would be noise.
	const log = console.log;
	console.log = () => {};
	try {
		const documents = {};
		// Each environment's vars, as wrangler.toml sets them (SEED_ROUTES decides
		// whether the tutorial's routes are in the document).
		for (const name of ["development", "production"]) {
			const { vars } = unstable_readConfig({
				config: workerConfigs.gateway,
				env: name === "production" ? "production" : undefined,
			});
			const res = await gateway.fetch(new Request("http://localhost/openapi.json"), vars);
			if (res.status !== 200) throw new Error(`GET /openapi.json: ${res.status}`);
			documents[name] = await res.json();
		}
		return /** @type {{ development: Record<string, unknown>, production: Record<string, unknown> }} */ (
			documents
		);
	} finally {
		console.log = log;
	}
}

// `npm run deploy`: the production environment, in dependency order. D1
// migrations first, so new code never meets an old schema; then the workers
// that others bind to before the workers that bind to them.
import { copyDocsAssets } from "./docs-assets.mjs";
import { workerConfigs, wrangler } from "./wrangler.mjs";

copyDocsAssets();

await wrangler([
	"d1",
	"migrations",
	"apply",
	"users-db",
	"--remote",
	"-c",
	workerConfigs.user,
	"--env",
	"production",
]);
for (const config of Object.values(workerConfigs)) {
	await wrangler(["deploy", "-c", config, "--env", "production"]);
}

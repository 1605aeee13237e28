// `npm run cf-typegen`: `wrangler types` for each worker, into its own
// worker-configuration.d.ts: its `Env`, one per type program. The configs of
// the workers it binds to are passed too, so its service bindings are typed
// with their RPC entrypoints. The Workers runtime's types come from
// @cloudflare/workers-types, once for every program, as in the workers-sdk
// Vitest examples. Extra arguments go to wrangler (`npm run lint` passes --check).
import { workerConfigs, wrangler } from "./wrangler.mjs";

const workers = {
	user: { out: "workers/user/worker-configuration.d.ts", bindsTo: [] },
	order: { out: "workers/order/worker-configuration.d.ts", bindsTo: ["user"] },
	gateway: { out: "workers/gateway/worker-configuration.d.ts", bindsTo: ["user", "order"] },
};

const extra = process.argv.slice(2);
for (const [name, { out, bindsTo }] of Object.entries(workers)) {
	const configs = [name, ...bindsTo].flatMap((worker) => ["-c", workerConfigs[worker]]);
	await wrangler(["types", out, ...configs, "--include-runtime=false", ...extra], {
		stdio: ["ignore", "ignore", "inherit"],
	});
}

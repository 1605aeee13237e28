// `wrangler types` for each worker. The other workers' configs are passed as
// well, so service bindings are typed with the callee's RPC methods. Each
// worker gets its own Env interface name so the three files can share one
// TypeScript program; runtime types come from @cloudflare/workers-types.
import { workerConfigs, wrangler } from "./wrangler.mjs";

const outputs = {
	gateway: ["workers/gateway/worker-configuration.d.ts", "GatewayEnv"],
	user: ["workers/user/worker-configuration.d.ts", "UserEnv"],
	order: ["workers/order/worker-configuration.d.ts", "OrderEnv"],
};

const extra = process.argv.slice(2);
for (const [name, [out, envInterface]] of Object.entries(outputs)) {
	const others = Object.entries(workerConfigs).filter(([other]) => other !== name);
	await wrangler([
		"types",
		out,
		"-c",
		workerConfigs[name],
		...others.flatMap(([, config]) => ["-c", config]),
		"--env-interface",
		envInterface,
		"--include-runtime=false",
		...extra,
	]);
}

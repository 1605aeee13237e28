import { env } from "cloudflare:workers";
import { disposed } from "#shared/kit/dispose";

/** A pseudo-random number in [0, 1) from a seed: the same seed, the same faults (mulberry32). */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * The gateway's env with the user and order workers failing on `rate` of
 * their calls, chosen by `random`, for driving `createApp().request()`.
 * Half the failures happen before the call reaches the worker; in the other
 * half the worker does the work and the answer is lost on the way back,
 * as when a connection breaks mid-call. Both look alike to the gateway: an
 * RPC call that throws. `stop()` ends the faults; `counts` says how many
 * calls there were and how each failure went.
 */
export function flakyEnv(rate: number, random: () => number) {
	const counts = { calls: 0, notReached: 0, answerLost: 0 };
	let failing = true;
	const lost = () => new Error("Network connection lost.");

	function flaky<T extends object>(service: T): T {
		return new Proxy(service, {
			get(target, name) {
				const method: unknown = Reflect.get(target, name);
				if (typeof method !== "function") return method;
				return async (...args: unknown[]) => {
					counts.calls += 1;
					const fault = failing && random() < rate ? (random() < 0.5 ? "before" : "after") : null;
					if (fault === "before") {
						counts.notReached += 1;
						throw lost();
					}
					// Not method.apply: on an RPC stub, `apply` would be one more remote method.
					const result = await Reflect.apply(method, target, args);
					if (fault === "after") {
						counts.answerLost += 1;
						disposed(result);
						throw lost();
					}
					return result;
				};
			},
		});
	}

	return {
		env: { ...env, USER_SERVICE: flaky(env.USER_SERVICE), ORDER_SERVICE: flaky(env.ORDER_SERVICE) },
		counts,
		stop() {
			failing = false;
		},
	};
}

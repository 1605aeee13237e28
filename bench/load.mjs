// Load on loopback with autocannon, bounded in time: a warm-up, then a
// measured window. Latencies are kept per response in microseconds rather
// than in autocannon's whole-millisecond histogram, which cannot tell a 1.2 ms
// hello-world from a 1.9 ms one.
import autocannon from "autocannon";

/**
 * @typedef {object} Target
 * @property {URL} url
 * @property {string} [method]
 * @property {Record<string, string>} [headers]
 * @property {string} [body]
 * @property {number} status the only status that counts as a success
 * @property {(request: { headers: Record<string, string> }) => object} [setupRequest] per request, e.g. a unique Idempotency-Key
 * @property {() => Connection} [connection] called once for each connection (and for the
 *   preflight): state of its own across its requests, e.g. a chain of rotating refresh tokens
 */

/**
 * What one connection sends and what it keeps of each answer. autocannon's own
 * per-connection `context` cannot carry it: the context starts again from
 * `initialContext` whenever a connection loops back to the first of its
 * `requests`, which with one request is before every request. So each
 * connection gets its own request object, with these two functions, through
 * `setupClient` and `client.setRequests`.
 * @typedef {object} Connection
 * @property {(request: { headers: Record<string, string>, body?: string }) => object} setupRequest
 * @property {(status: number, body: string) => void} onResponse
 */

/**
 * @typedef {object} Measurement
 * @property {number} rps requests answered per second in the measured window
 * @property {number} p50 ms
 * @property {number} p99 ms
 * @property {number} errors responses with another status, connection errors and timeouts, warm-up included
 * @property {number} requests answered in the measured window
 * @property {number} cpuMs workerd's CPU time per request in the measured window (NaN without a reading)
 */

/** @param {number[]} sorted @param {number} q */
const quantile = (sorted, q) =>
	sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;

/**
 * @param {Target} target
 * @param {{ connections: number, warmupSeconds: number, seconds: number, cpuMs?: () => number }} options
 * @returns {Promise<Measurement>}
 */
export async function load(target, { connections, warmupSeconds, seconds, cpuMs }) {
	/** @type {number[]} */
	const latencies = [];
	let errors = 0;
	let windowStart = Number.POSITIVE_INFINITY;
	let lastResponse = 0;
	let cpuStart = Number.NaN;
	const request = {
		method: target.method ?? "GET",
		headers: target.headers ?? {},
		...(target.body === undefined ? {} : { body: target.body }),
		...(target.setupRequest ? { setupRequest: target.setupRequest } : {}),
	};
	const { connection } = target;
	const instance = autocannon({
		url: target.url.href,
		connections,
		duration: warmupSeconds + seconds,
		timeout: 10,
		requests: [request],
		...(connection
			? {
					setupClient: (/** @type {{ setRequests(requests: object[]): void }} */ client) =>
						client.setRequests([{ ...request, ...connection() }]),
				}
			: {}),
	});
	instance.on("start", () => {
		windowStart = performance.now() + warmupSeconds * 1000;
	});
	instance.on("response", (_client, status, _bytes, ms) => {
		if (status !== target.status) errors++;
		const now = performance.now();
		if (now < windowStart) return;
		// The window's CPU leaves out warm-up: compiling a route's code the
		// first time it runs, and whatever seeding left for storage to finish.
		if (latencies.length === 0) cpuStart = cpuMs?.() ?? Number.NaN;
		latencies.push(ms);
		lastResponse = now;
	});
	instance.on("reqError", () => {
		errors++;
	});
	await instance;
	const cpu = (cpuMs?.() ?? Number.NaN) - cpuStart;
	latencies.sort((a, b) => a - b);
	const windowSeconds = (lastResponse - windowStart) / 1000;
	return {
		rps: windowSeconds > 0 ? latencies.length / windowSeconds : 0,
		p50: quantile(latencies, 0.5),
		p99: quantile(latencies, 0.99),
		errors,
		requests: latencies.length,
		cpuMs: cpu / latencies.length,
	};
}

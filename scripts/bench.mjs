// `npm run bench` against a running `npm run dev` (BASE, default
// http://localhost:8787): sequential latency of the main routes, reported as
// ratios to GET /health measured in the same run. The runtime is wrangler dev,
// dev proxy included, so absolute times say little; the ratios say what each
// route costs over a round trip through all three workers.
const BASE = process.env.BASE ?? "http://localhost:8787";
const RUNS = 60;
const WARMUP = 5;
const PASSWORD = "correct horse battery";
const username = `bench_${Date.now()}`;

const post = (path, body, headers = {}) =>
	fetch(BASE + path, {
		method: "POST",
		headers: { "Content-Type": "application/json", ...headers },
		body: JSON.stringify(body),
	});

await post("/api/v1/users", { username, password: PASSWORD });
const login = await (await post("/api/v1/auth/login", { username, password: PASSWORD })).json();
const auth = { Authorization: `Bearer ${login.accessToken}` };

async function measure(name, request) {
	for (let i = 0; i < WARMUP; i++) await (await request(i)).arrayBuffer();
	const times = [];
	for (let i = 0; i < RUNS; i++) {
		const started = performance.now();
		await (await request(i + WARMUP)).arrayBuffer();
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	return { name, median: times[Math.floor(RUNS / 2)], p90: times[Math.floor(RUNS * 0.9)] };
}

const rows = [
	await measure("GET /health (baseline)", () => fetch(`${BASE}/health`)),
	await measure("GET /api/v1/users/me", () => fetch(`${BASE}/api/v1/users/me`, { headers: auth })),
	await measure("POST /api/v1/orders", () =>
		post("/api/v1/orders", { items: [{ sku: "a", quantity: 1 }] }, auth),
	),
	await measure("GET /api/v1/orders?limit=20", () =>
		fetch(`${BASE}/api/v1/orders?limit=20`, { headers: auth }),
	),
	await measure("POST /api/v1/auth/login", () =>
		post("/api/v1/auth/login", { username, password: PASSWORD }),
	),
	await measure("POST /api/v1/users", (i) =>
		post("/api/v1/users", { username: `${username}_${i}`, password: PASSWORD }),
	),
];
const baseline = rows[0].median;
console.log(`wrangler dev at ${BASE}, ${RUNS} sequential requests each, ratios to GET /health`);
for (const { name, median, p90 } of rows) {
	const ratio = (ms) => `${(ms / baseline).toFixed(1)}x`;
	console.log(`${name.padEnd(30)} median ${ratio(median)}  p90 ${ratio(p90)}`);
}

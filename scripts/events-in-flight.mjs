// The smoke test's check that stopping `npm run dev` loses no event
// (scripts/smoke.sh, "SIGKILL with events in flight"). Two steps:
//
//   place --base URL --users N --orders M --out FILE [--kill-group PGID]
//     registers N users, logs each in, places M orders over them (8 at a
//     time), writes the accounts and acknowledged order ids to FILE, and
//     with --kill-group sends SIGKILL to that process group the moment the
//     last order is acknowledged, so events are still in flight.
//   check --base URL --in FILE [--within S]
//     after the restart: waits until every acknowledged order has exactly
//     one order confirmation, at most S seconds (30), and prints the figures;
//     exit code 1 if one is missing or doubled when the time is up.
import { readFileSync, writeFileSync } from "node:fs";

const [step, ...rest] = process.argv.slice(2);
const option = (name, fallback) => {
	const at = rest.indexOf(name);
	return at === -1 ? fallback : rest[at + 1];
};
const base = option("--base", "http://localhost:8787");
const CONCURRENCY = 8;

async function call(path, { body, token } = {}) {
	const res = await fetch(`${base}${path}`, {
		method: body === undefined ? "GET" : "POST",
		headers: {
			...(body !== undefined && { "Content-Type": "application/json" }),
			...(token && { Authorization: `Bearer ${token}` }),
		},
		...(body !== undefined && { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: await res.json().catch(() => null) };
}

async function logIn({ username, password }) {
	const login = await call("/api/v1/auth/login", { body: { username, password } });
	if (login.status !== 200) throw new Error(`login of ${username}: ${login.status}`);
	return login.body.accessToken;
}

async function place() {
	const users = Number(option("--users", 4));
	const orders = Number(option("--orders", 80));
	const killGroup = option("--kill-group");
	const tag = `inflight_${Date.now().toString(36)}`;
	const accounts = [];
	for (let n = 0; n < users; n += 1) {
		const account = { username: `${tag}_${n}`, password: `in flight ${n} correct horse` };
		const created = await call("/api/v1/users", { body: account });
		if (created.status !== 201) throw new Error(`register: ${created.status}`);
		accounts.push({ ...account, token: await logIn(account), orders: [] });
	}
	const started = Date.now();
	let next = 0;
	const client = async () => {
		while (next < orders) {
			const n = next++;
			const account = accounts[n % users];
			const res = await call("/api/v1/orders", {
				body: { items: [{ sku: `in-flight-${n}`, quantity: 1 }] },
				token: account.token,
			});
			if (res.status === 201) account.orders.push(res.body.id);
		}
	};
	await Promise.all(Array.from({ length: CONCURRENCY }, client));
	if (killGroup) process.kill(-Number(killGroup), "SIGKILL");
	const acknowledged = accounts.reduce((sum, account) => sum + account.orders.length, 0);
	writeFileSync(
		option("--out"),
		JSON.stringify(accounts.map(({ token: _, ...account }) => account)),
	);
	console.log(
		`${acknowledged} of ${orders} orders acknowledged over ${users} users in ${((Date.now() - started) / 1000).toFixed(1)} s${killGroup ? `; SIGKILL to process group ${killGroup} right after the last` : ""}`,
	);
}

/** The user's order confirmations: how many per order id. */
async function confirmations(token) {
	const seen = new Map();
	let cursor = null;
	do {
		const page = await call(
			`/api/v1/users/me/notifications?limit=100${cursor ? `&cursor=${cursor}` : ""}`,
			{ token },
		);
		for (const n of page.body.notifications) {
			if (n.kind === "order_confirmation") seen.set(n.orderId, (seen.get(n.orderId) ?? 0) + 1);
		}
		cursor = page.body.nextCursor;
	} while (cursor);
	return seen;
}

async function check() {
	const within = Number(option("--within", 30)) * 1000;
	const accounts = JSON.parse(readFileSync(option("--in"), "utf8"));
	const started = Date.now();
	for (const account of accounts) account.token = await logIn(account);
	let first = null;
	for (;;) {
		let once = 0;
		let twice = 0;
		let total = 0;
		for (const account of accounts) {
			const seen = await confirmations(account.token);
			for (const id of account.orders) {
				total += 1;
				const count = seen.get(id) ?? 0;
				if (count === 1) once += 1;
				if (count > 1) twice += 1;
			}
		}
		first ??= once;
		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		if ((once === total && twice === 0) || Date.now() - started > within) {
			console.log(
				`${once} of ${total} acknowledged orders have exactly one confirmation, ${twice} more than one, ${seconds} s after the restart served (${first} at the first look)`,
			);
			process.exit(once === total && twice === 0 ? 0 : 1);
		}
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

if (step === "place") await place();
else if (step === "check") await check();
else {
	console.error("usage: node scripts/events-in-flight.mjs place|check --base URL ...");
	process.exit(2);
}

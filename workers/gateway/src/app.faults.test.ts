import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flakyEnv, seeded } from "#test/faults";
import { api, bearer, expectProblem, PASSWORD, uniqueName } from "#test/requests";
import { createApp } from "./app";

/**
 * Mixed traffic (registrations, logins, orders with and without an
 * Idempotency-Key, listings, reads, cancels) from concurrent clients while
 * the user and order workers fail a third of the gateway's calls: half
 * before the call reaches them, half after they did the work, the answer
 * lost. The clients behave as docs/API.md ("Errors") asks: they retry a 503
 * where a retry is safe (a create with its Idempotency-Key, a registration,
 * a login, a cancel) and not where it is not (a create without a key).
 * `npm test` runs a few seconds of it; `npm run chaos` a minute.
 */
const SECONDS = env.TEST_CHAOS_SECONDS;
const CLIENTS = 6;
const FAULT_RATE = 1 / 3;
const SEED = 3;
// Each identity places orders for a while, then its client registers the next.
const STEPS_PER_ACCOUNT = 30;

type Order = {
	id: string;
	items: { sku: string; quantity: number }[];
	status: "created" | "cancelled";
};

/** What one client was told about its account, to hold the stored state against. */
interface Account {
	username: string;
	headers: Record<string, string>;
	/** Orders answered 201, by sku; every create has a sku of its own. */
	acknowledged: Map<string, string>;
	/** Skus of creates without a key answered 503: each order may or may not exist. */
	unanswered: Set<string>;
	/** Orders whose cancel was answered 200 (or 409 after a 503: it had been cancelled). */
	cancelled: Set<string>;
}

/** Clients of the gateway running with `bindings`; every answer is checked and counted. */
function clients(bindings: Env, random: () => number) {
	const app = createApp();
	const statuses = new Map<string, number>();

	/** One request; a 503 is allowed anywhere, as a problem document with Retry-After. */
	async function send(
		method: string,
		path: string,
		{ ip, headers = {}, body }: { ip: string; headers?: Record<string, string>; body?: unknown },
		allowed: number[],
	): Promise<Response> {
		const json: Record<string, string> =
			body === undefined ? {} : { "Content-Type": "application/json" };
		const res = await app.request(
			path,
			{
				method,
				headers: { "CF-Connecting-IP": ip, ...json, ...headers },
				...(body === undefined ? {} : { body: JSON.stringify(body) }),
			},
			bindings,
		);
		const route = `${method} ${path.replace(/[0-9a-f-]{36}/, "{id}").replace(/\?.*/, "")}`;
		const key = `${route} ${res.status}`;
		statuses.set(key, (statuses.get(key) ?? 0) + 1);
		expect([...allowed, 503], key).toContain(res.status);
		if (res.status === 503) {
			expect(res.headers.get("retry-after")).toBe("5");
			await expectProblem(res.clone(), 503);
		}
		return res;
	}

	/** Sends until the answer is not a 503 (nor one of `also`), as a client retries what is safe to retry. */
	async function untilAnswered(
		attempt: (tries: number) => Promise<Response>,
		also: number[] = [],
	): Promise<Response> {
		for (let tries = 0; ; tries++) {
			const res = await attempt(tries);
			if (res.status !== 503 && !also.includes(res.status)) return res;
		}
	}

	async function signUp(client: number, ip: string): Promise<Account> {
		const username = uniqueName(`chaos${client}`);
		const body = { username, password: PASSWORD };
		// A 409 on a retry: the first try's answer was lost after the user was created.
		const path = random() < 0.5 ? "/api/v1/users" : "/register";
		await untilAnswered((tries) => send("POST", path, { ip, body }, tries ? [201, 409] : [201]));
		// Each retry counts against the login limit (5 a minute per IP and
		// username); a client that reaches it would wait a minute, this one
		// moves to another address instead.
		let address = ip;
		const login = await untilAnswered(
			async (tries) => {
				const res = await send("POST", "/api/v1/auth/login", { ip: address, body }, [200, 429]);
				if (res.status === 429) address = `198.18.${client}.${tries}`;
				return res;
			},
			[429],
		);
		const { accessToken } = (await login.json()) as { accessToken: string };
		return {
			username,
			headers: bearer(accessToken),
			acknowledged: new Map(),
			unanswered: new Set(),
			cancelled: new Set(),
		};
	}

	/** One thing a client does with its orders, chosen at random. */
	async function step(account: Account, ip: string, seq: number): Promise<void> {
		const { headers } = account;
		const orderOf = async (res: Response) => (await res.json()) as Order;
		const known = [...account.acknowledged.values()];
		const pick = random();
		if (pick < 0.3) {
			const sku = `keyed-${seq}`;
			const keyed = { ...headers, "Idempotency-Key": `key-${sku}` };
			const body = { items: [{ sku, quantity: 1 }] };
			const res = await untilAnswered(() =>
				send("POST", "/api/v1/orders", { ip, headers: keyed, body }, [201]),
			);
			account.acknowledged.set(sku, (await orderOf(res)).id);
		} else if (pick < 0.5) {
			const sku = `unkeyed-${seq}`;
			const body = { items: [{ sku, quantity: 1 }] };
			const res = await send("POST", "/api/v1/orders", { ip, headers, body }, [201]);
			if (res.status === 201) account.acknowledged.set(sku, (await orderOf(res)).id);
			else account.unanswered.add(sku);
		} else if (pick < 0.75) {
			const res = await send("GET", "/api/v1/orders?limit=20", { ip, headers }, [200]);
			if (res.ok) {
				const { orders } = (await res.json()) as { orders: Order[] };
				expect(new Set(orders.map((o) => o.id)).size).toBe(orders.length);
			}
		} else if (pick < 0.85 && known.length > 0) {
			const id = known[Math.floor(random() * known.length)] ?? "";
			const res = await send("GET", `/api/v1/orders/${id}`, { ip, headers }, [200]);
			if (res.ok) expect((await orderOf(res)).id).toBe(id);
		} else {
			const open = known.filter((id) => !account.cancelled.has(id));
			const id = open[Math.floor(random() * open.length)];
			if (id === undefined) return;
			const path = `/api/v1/orders/${id}/cancel`;
			await untilAnswered((tries) =>
				send("POST", path, { ip, headers }, tries ? [200, 409] : [200]),
			);
			account.cancelled.add(id);
		}
	}

	/** Client `n` until `deadline`: an account, its orders, then the next account. */
	async function run(n: number, deadline: number): Promise<Account[]> {
		const ip = `203.0.113.${n}`;
		const accounts: Account[] = [];
		let seq = 0;
		while (Date.now() < deadline) {
			const account = await signUp(n, ip);
			accounts.push(account);
			for (let s = 0; s < STEPS_PER_ACCOUNT && Date.now() < deadline; s++) {
				await step(account, ip, seq++);
			}
		}
		return accounts;
	}

	/** Answers so far with `status`, or all of them. */
	const count = (status?: number) =>
		[...statuses]
			.filter(([key]) => status === undefined || key.endsWith(` ${status}`))
			.reduce((sum, [, n]) => sum + n, 0);

	return { app, run, signUp, step, count, statuses };
}

/** All of an account's orders, read through the healthy gateway. */
async function storedOrders(account: Account): Promise<Order[]> {
	const orders: Order[] = [];
	let cursor: string | null = null;
	do {
		const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
		const res = await api(`/api/v1/orders?limit=100${query}`, { headers: account.headers });
		const page = (await res.json()) as { orders: Order[]; nextCursor: string | null };
		orders.push(...page.orders);
		cursor = page.nextCursor;
	} while (cursor);
	return orders;
}

describe("the gateway while its workers fail a third of their calls", () => {
	describe("errors", () => {
		it(
			`answers ${SECONDS} s of mixed traffic with successes or 503s, keeps every acknowledged order, and recovers`,
			async ({ annotate }) => {
				const random = seeded(SEED);
				const faults = flakyEnv(FAULT_RATE, random);
				const traffic = clients(faults.env, random);

				const started = Date.now();
				const deadline = started + SECONDS * 1000;
				const runs = Array.from({ length: CLIENTS }, (_, n) => traffic.run(n + 1, deadline));
				const accounts = (await Promise.all(runs)).flat();
				const seconds = (Date.now() - started) / 1000;
				faults.stop();
				const { count } = traffic;
				const figures = {
					seconds,
					clients: CLIENTS,
					requests: count(),
					requestsPerSecond: Math.round(count() / seconds),
					statuses: Object.fromEntries([200, 201, 409, 429, 503].map((s) => [s, count(s)])),
					workerCalls: { ...faults.counts },
					byRoute: Object.fromEntries([...traffic.statuses].sort()),
				};

				// Durable: every account works, and every acknowledged order is listed once, as it was left.
				let verified = 0;
				let storedDespite503 = 0;
				for (const account of accounts) {
					expect((await api("/api/v1/users/me", { headers: account.headers })).status).toBe(200);
					const orders = await storedOrders(account);
					expect(new Set(orders.map((o) => o.id)).size).toBe(orders.length);
					const skus = orders.map((o) => o.items[0]?.sku ?? "");
					expect(new Set(skus).size, "one order per create").toBe(skus.length);
					for (const [sku, id] of account.acknowledged) {
						const stored = orders.find((o) => o.id === id);
						expect(stored?.items[0]?.sku, `${account.username} ${sku}`).toBe(sku);
						expect(stored?.status).toBe(account.cancelled.has(id) ? "cancelled" : "created");
						verified += 1;
					}
					for (const sku of skus.filter((sku) => !account.acknowledged.has(sku))) {
						// Only a create whose 503 hid its success may leave an order nobody was told of.
						expect(account.unanswered, `${account.username}: ${sku}`).toContain(sku);
						storedDespite503 += 1;
					}
				}

				// Full recovery: with the faults gone, new clients see no failure at all.
				const failed = count(503);
				expect((await traffic.app.request("/health", {}, faults.env)).status).toBe(200);
				for (let n = 1; n <= 3; n++) {
					const ip = `198.51.100.${n}`;
					const account = await traffic.signUp(CLIENTS + n, ip);
					for (let s = 0; s < 10; s++) await traffic.step(account, ip, 10_000 + s);
				}
				expect(count(503), "503s after the faults stopped").toBe(failed);

				// The run saw both kinds of fault, and still acknowledged work.
				expect(figures.workerCalls.notReached).toBeGreaterThan(0);
				expect(figures.workerCalls.answerLost).toBeGreaterThan(0);
				expect(verified).toBeGreaterThan(0);
				await annotate(
					JSON.stringify({
						...figures,
						accounts: accounts.length,
						ordersVerified: verified,
						storedDespite503,
					}),
				);
			},
			(SECONDS + 60) * 1000,
		);
	});
});

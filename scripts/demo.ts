// `npm run demo`: the whole system at work, against a running `npm run dev`
// (BASE, or --base URL; default http://localhost:8787). Walks the tutorial's
// curl steps, then API v1 (register, log in, me, an order with an
// Idempotency-Key and its replay, list, get, cancel, the notifications the
// task queue recorded, health), then an account's life as a client sees it:
// refresh, sessions (a second login, ended from the first), a password
// change, logout, and deletion (the tokens and the login refused, the name
// free again, and a new account under it without the old orders). Prints each
// request as a curl command (tokens shortened) and each response. Stops with
// exit code 1 at the first step that does not answer as it should. Names are
// new on every run, so it can run again and again against the same state.
// One name sees five logins, the most a minute allows (LOGIN_LIMITER).
import { argv, env, exit, stdout } from "node:process";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Answer {
	status: number;
	headers: Headers;
	body: Json;
}
interface Step {
	title: string;
	method?: "GET" | "POST" | "PUT" | "DELETE";
	path: string;
	body?: Json;
	headers?: Record<string, string>;
	status: number;
	/** What else must hold; a sentence saying what did not, or nothing. */
	check?: (answer: Answer) => string | undefined;
}

const baseArg = argv.indexOf("--base");
const BASE = (
	(baseArg === -1 ? undefined : argv[baseArg + 1]) ??
	env.BASE ??
	"http://localhost:8787"
).replace(/\/$/, "");
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const SHOWN_HEADERS = ["location", "idempotent-replayed", "retry-after", "www-authenticate"];
const bold = (text: string) => (stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);

// Tokens are long and private; the output shows their start: access tokens
// (JWTs) and refresh tokens (`<user id>.<43 base64url characters>`).
const shorten = (text: string) =>
	text
		.replace(/(eyJ[\w-]{12})[\w.-]+/g, "$1…")
		.replace(/\b(\d{1,16}\.[\w-]{6})[\w-]{37}(?![\w-])/g, "$1…");
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

function asCurl({ method = "GET", path, body, headers = {} }: Step): string {
	const parts = ["curl", "-i"];
	if (method !== "GET") parts.push("-X", method);
	for (const [name, value] of Object.entries(headers)) parts.push("-H", quote(`${name}: ${value}`));
	if (body !== undefined) {
		parts.push("-H", quote("Content-Type: application/json"), "-d", quote(JSON.stringify(body)));
	}
	parts.push(`${BASE}${path}`);
	return shorten(parts.join(" "));
}

let stepNumber = 0;
async function step(definition: Step): Promise<Answer> {
	stepNumber += 1;
	console.log(`\n${bold(`${stepNumber}. ${definition.title}`)}\n$ ${asCurl(definition)}`);
	const res = await fetch(`${BASE}${definition.path}`, {
		method: definition.method ?? "GET",
		redirect: "manual",
		headers: {
			...(definition.body === undefined ? {} : { "Content-Type": "application/json" }),
			...definition.headers,
		},
		...(definition.body === undefined ? {} : { body: JSON.stringify(definition.body) }),
	}).catch((error: Error) => fail(`cannot reach ${BASE}: ${error.cause ?? error.message}`));
	const text = await res.text();
	const body: Json =
		text && /json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text;
	const answer = { status: res.status, headers: res.headers, body };
	console.log(`${res.status} ${res.statusText}`);
	for (const name of SHOWN_HEADERS) {
		const value = res.headers.get(name);
		if (value !== null) console.log(`${name}: ${value}`);
	}
	if (text) console.log(shorten(typeof body === "string" ? body : JSON.stringify(body, null, 2)));
	const problem =
		res.status === definition.status
			? definition.check?.(answer)
			: `expected ${definition.status}, got ${res.status}`;
	if (problem) fail(problem);
	return answer;
}

function fail(problem: string): never {
	console.error(`\nFAILED at step ${stepNumber}: ${problem}`);
	exit(1);
}

const field = (answer: Answer, name: string): Json | undefined =>
	typeof answer.body === "object" && answer.body !== null && !Array.isArray(answer.body)
		? answer.body[name]
		: undefined;

/** The Authorization header for a token pair's access token. */
const bearer = (pair: Answer) => ({ Authorization: `Bearer ${field(pair, "accessToken")}` });
const isPair = (answer: Answer) =>
	typeof field(answer, "accessToken") === "string" &&
	typeof field(answer, "refreshToken") === "string"
		? undefined
		: "no accessToken and refreshToken";
/** A check that the answer is the problem `type`; a refused token also says so in WWW-Authenticate. */
const problem =
	(type: string) =>
	({ body, headers }: Answer): string | undefined => {
		const got = typeof body === "object" && body && "type" in body ? body.type : undefined;
		if (got !== type) return `expected the problem ${type}, got ${String(got)}`;
		const challenge = headers.get("www-authenticate") ?? "";
		return type === "/problems/invalid_token" && !challenge.includes('error="invalid_token"')
			? 'no WWW-Authenticate: Bearer ..., error="invalid_token"'
			: undefined;
	};

console.log(`Demo against ${BASE}`);
await step({
	title: "Where to start: the gateway's index of links (a browser is sent to /docs)",
	path: "/",
	status: 200,
});

const document = (await (await fetch(`${BASE}/openapi.json`)).json()) as { paths: object };
const tutorial = "/register" in document.paths;
if (tutorial) {
	console.log(`\n${bold("The tutorial's walkthrough")}`);
	const alice = `alice_${run}`;
	const register = { username: alice, password: "pass123" };
	await step({
		title: "Register a user",
		method: "POST",
		path: "/register",
		body: register,
		status: 201,
	});
	await step({
		title: "Register the same name again",
		method: "POST",
		path: "/register",
		body: register,
		status: 409,
	});
	await step({
		title: "Register without a password",
		method: "POST",
		path: "/register",
		body: { username: `bob_${run}` },
		status: 400,
	});
	// The tutorial ran on an empty database, where alice was user 1. Here she
	// may be user 100, so the demo asks API v1 who she is.
	const login = await step({
		title: "Find her user id: log in through API v1 (tutorial users can)",
		method: "POST",
		path: "/api/v1/auth/login",
		body: register,
		status: 200,
	});
	const me = await step({
		title: "... and read her user",
		path: "/api/v1/users/me",
		headers: { Authorization: `Bearer ${field(login, "accessToken")}` },
		status: 200,
	});
	const id = field(me, "id");
	await step({ title: "Validate her", path: `/validate_user/${id}`, status: 200 });
	await step({
		title: "Validate a user that cannot exist (ids start at 1)",
		path: "/validate_user/0",
		status: 404,
	});
	await step({
		title: "Create an order for her",
		method: "POST",
		path: "/create_order",
		body: { user_id: id ?? null, items: ["item1"] },
		status: 201,
	});
	await step({
		title: "Create an order for nobody",
		method: "POST",
		path: "/create_order",
		body: { user_id: 0, items: ["item1"] },
		status: 401,
	});
} else {
	console.log("\nThe tutorial's routes are off here (SEED_ROUTES), so the walkthrough is skipped.");
}

console.log(`\n${bold("API v1")}`);
const carol = { username: `carol_${run}`, password: "correct horse battery" };
const registered = await step({
	title: "Register",
	method: "POST",
	path: "/api/v1/users",
	body: { ...carol, email: `carol_${run}@example.com` },
	status: 201,
	check: ({ headers }) =>
		headers.get("location") === "/api/v1/users/me" ? undefined : "no Location: /api/v1/users/me",
});
const loginRoute = { method: "POST", path: "/api/v1/auth/login", body: carol } as const;
const login = await step({
	...loginRoute,
	title: "Log in: an access token (15 minutes) and a refresh token for the next one",
	status: 200,
	check: isPair,
});
const auth = bearer(login);
await step({ title: "Who am I", path: "/api/v1/users/me", headers: auth, status: 200 });

const order = { items: [{ sku: "book-1", quantity: 2 }] };
const keyed = { ...auth, "Idempotency-Key": `demo-${run}` };
const placed = await step({
	title: "Place an order, with an Idempotency-Key",
	method: "POST",
	path: "/api/v1/orders",
	headers: keyed,
	body: order,
	status: 201,
});
const orderId = field(placed, "id");
await step({
	title: "Send the same request again: replayed, not placed twice",
	method: "POST",
	path: "/api/v1/orders",
	headers: keyed,
	body: order,
	status: 201,
	check: (answer) =>
		answer.headers.get("idempotent-replayed") === "true" && field(answer, "id") === orderId
			? undefined
			: "not the first order, replayed",
});
await step({
	title: "List my orders",
	path: "/api/v1/orders?limit=20",
	headers: auth,
	status: 200,
	check: (answer) => {
		const orders = field(answer, "orders");
		return Array.isArray(orders) && orders.length === 1 ? undefined : "not exactly the one order";
	},
});
await step({
	title: "Read the order",
	path: `/api/v1/orders/${orderId}`,
	headers: auth,
	status: 200,
});
const cancel = { method: "POST", path: `/api/v1/orders/${orderId}/cancel`, headers: auth } as const;
await step({
	...cancel,
	title: "Cancel it",
	status: 200,
	check: (answer) => (field(answer, "status") === "cancelled" ? undefined : "not cancelled"),
});
await step({ ...cancel, title: "Cancel it again: a conflict, as a problem document", status: 409 });

// The tasks queue's consumer records them a second or so after the requests
// that caused them; the design allows 5 s.
const notificationsPath = "/api/v1/users/me/notifications";
const kindsOf = (body: Json | undefined) =>
	Array.isArray(body)
		? body.map((n) => (typeof n === "object" && n && "kind" in n ? n.kind : null))
		: [];
for (let waited = 0; waited < 5_000; waited += 200) {
	const page = (await (await fetch(`${BASE}${notificationsPath}`, { headers: auth })).json()) as {
		notifications?: Json;
	};
	if (kindsOf(page.notifications).length >= 2) break;
	await new Promise((resolve) => setTimeout(resolve, 200));
}
await step({
	title: "My notifications, from the task queue: the order's confirmation and a welcome",
	path: notificationsPath,
	headers: auth,
	status: 200,
	check: (answer) =>
		kindsOf(field(answer, "notifications")).join() === "order_confirmation,welcome"
			? undefined
			: "not exactly one confirmation and one welcome within 5 s",
});

await step({
	title: "Health: the gateway reaches both workers",
	path: "/health",
	status: 200,
	check: (answer) => (field(answer, "status") === "ok" ? undefined : "not ok"),
});

console.log(`\n${bold("Sessions, a password change, logging out, deleting the account")}`);
const me = { path: "/api/v1/users/me" } as const;
const refreshed = await step({
	title:
		"Refresh: the refresh token buys a new pair and is spent (sent again, it would end the session)",
	method: "POST",
	path: "/api/v1/auth/refresh",
	body: { refreshToken: field(login, "refreshToken") ?? null },
	status: 200,
	check: (answer) =>
		isPair(answer) ??
		(field(answer, "refreshToken") === field(login, "refreshToken")
			? "the same refresh token again"
			: undefined),
});
const sessionsOf = (answer: Answer) => {
	const sessions = field(answer, "sessions");
	return Array.isArray(sessions)
		? sessions.filter(
				(s): s is { [key: string]: Json } =>
					typeof s === "object" && s !== null && !Array.isArray(s),
			)
		: [];
};
await step({
	title: "My sessions: one, this one (a refresh keeps the session)",
	path: "/api/v1/users/me/sessions",
	headers: bearer(refreshed),
	status: 200,
	check: (answer) => {
		const sessions = sessionsOf(answer);
		return sessions.length === 1 && sessions[0]?.current === true
			? undefined
			: "not exactly one session, the current one";
	},
});
const otherDevice = await step({
	...loginRoute,
	title: "Log in again, as if on another device: a second session",
	status: 200,
	check: isPair,
});
const listed = await step({
	title: "My sessions: two, and the current one is marked",
	path: "/api/v1/users/me/sessions",
	headers: bearer(refreshed),
	status: 200,
	check: (answer) => {
		const sessions = sessionsOf(answer);
		return sessions.length === 2 && sessions.filter((s) => s.current === true).length === 1
			? undefined
			: "not two sessions with one current";
	},
});
const other = sessionsOf(listed).find((s) => s.current !== true)?.id;
await step({
	title: "End the other device's session",
	method: "DELETE",
	path: `/api/v1/users/me/sessions/${other}`,
	headers: bearer(refreshed),
	status: 204,
});
await step({
	...me,
	title: "The other device's access token stops working at once",
	headers: bearer(otherDevice),
	status: 401,
	check: problem("/problems/invalid_token"),
});

const newPassword = "a new and longer passphrase";
const changed = await step({
	title: "Change the password: every session ends, this one too, and the answer is a new pair",
	method: "PUT",
	path: "/api/v1/users/me/password",
	headers: bearer(refreshed),
	body: { currentPassword: carol.password, newPassword },
	status: 200,
	check: isPair,
});
await step({
	...me,
	title: "The access token from before the change is refused",
	headers: bearer(refreshed),
	status: 401,
	check: problem("/problems/invalid_token"),
});
await step({
	title: "... and so is the refresh token from before it",
	method: "POST",
	path: "/api/v1/auth/refresh",
	body: { refreshToken: field(refreshed, "refreshToken") ?? null },
	status: 401,
	check: problem("/problems/invalid_refresh_token"),
});
await step({ ...me, title: "The new pair works", headers: bearer(changed), status: 200 });
await step({
	title: "Log out: send the refresh token; its session ends",
	method: "POST",
	path: "/api/v1/auth/logout",
	body: { refreshToken: field(changed, "refreshToken") ?? null },
	status: 204,
});
await step({
	...me,
	title: "That session's access token is refused at once",
	headers: bearer(changed),
	status: 401,
	check: problem("/problems/invalid_token"),
});

const renewed = { ...carol, password: newPassword };
const again = await step({
	title: "Log in with the new password",
	method: "POST",
	path: "/api/v1/auth/login",
	body: renewed,
	status: 200,
	check: isPair,
});
const carolId = field(registered, "id");
await step({
	title: "Delete the account (the password once more)",
	method: "DELETE",
	path: "/api/v1/users/me",
	headers: bearer(again),
	body: { password: newPassword },
	status: 204,
});
await step({
	...me,
	title: "Its access token is refused from now on",
	headers: bearer(again),
	status: 401,
	check: problem("/problems/invalid_token"),
});
await step({
	title: "Its login fails, as for a wrong password",
	method: "POST",
	path: "/api/v1/auth/login",
	body: renewed,
	status: 401,
	check: problem("/problems/invalid_credentials"),
});
if (tutorial) {
	await step({
		title: "The tutorial's route no longer knows the user",
		path: `/validate_user/${carolId}`,
		status: 404,
	});
}
await step({
	title: "The name is free again: register it anew (a new id; ids are never reused)",
	method: "POST",
	path: "/api/v1/users",
	body: carol,
	status: 201,
	check: (answer) => (field(answer, "id") !== carolId ? undefined : "the deleted user's id again"),
});
const fresh = await step({
	...loginRoute,
	title: "Log in to the new account",
	status: 200,
	check: isPair,
});
// The deleted account's orders are erased by its user.deleted event, which
// the tasks queue carries to the order worker (eraseOrders) within seconds.
await step({
	title: "Its orders: none; the old account's are not carried over",
	path: "/api/v1/orders",
	headers: bearer(fresh),
	status: 200,
	check: (answer) => {
		const orders = field(answer, "orders");
		return Array.isArray(orders) && orders.length === 0 ? undefined : "not an empty list";
	},
});

console.log(`\nAll ${stepNumber} steps answered as they should.`);

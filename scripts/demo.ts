// `npm run demo`: the whole system at work, against a running `npm run dev`
// (BASE, or --base URL; default http://localhost:8787), through the typed
// client package (client/): every request below is a call the compiler
// checked against the gateway's OpenAPI document, so the demo also shows that
// the document describes the gateway. Walks the tutorial's curl steps, then
// API v1 (register, log in, me, an order with an Idempotency-Key and its
// replay, list, get, cancel, the notifications the task queue recorded,
// health), then an account's life as a client sees it: refresh, sessions (a
// second login, ended from the first), a password change, logout, and
// deletion (the tokens and the login refused, the name free again, and a new
// account under it without the old orders). Prints each request as a curl
// command (tokens shortened) and each response. Stops with exit code 1 at the
// first step that does not answer as it should. Names are new on every run,
// so it can run again and again against the same state. One name sees five
// logins, the most a minute allows (LOGIN_LIMITER).
import { argv, env, exit, stdout } from "node:process";
import { createClient, type Middleware, type Schema } from "@workers-microservices/client";

/** What every call of the client answers: the body as data (a success) or error. */
interface Answer {
	response: Response;
	data?: unknown;
	error?: unknown;
}
interface Step<A extends Answer> {
	title: string;
	/** The request, made through the client (which prints it). */
	send: () => Promise<A>;
	status: number;
	/** What else must hold; a sentence saying what did not, or nothing. */
	check?: (answer: A) => string | undefined;
}
type TokenPair = Schema<"TokenPair">;

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
// Headers keeps names in lower case; a curl line reads better as the RFCs write them.
const headerName = (name: string) => name.replace(/(^|-)[a-z]/g, (start) => start.toUpperCase());

async function asCurl(request: Request): Promise<string> {
	const parts = ["curl", "-i"];
	if (request.method !== "GET") parts.push("-X", request.method);
	for (const [name, value] of request.headers)
		parts.push("-H", quote(`${headerName(name)}: ${value}`));
	const body = await request.clone().text();
	if (body) parts.push("-d", quote(body));
	parts.push(request.url);
	return shorten(parts.join(" "));
}

/** Prints each request the client sends, as curl, and each response. */
const shown: Middleware = {
	async onRequest({ request }) {
		console.log(`$ ${await asCurl(request)}`);
	},
	async onResponse({ response }) {
		console.log(`${response.status} ${response.statusText}`);
		for (const name of SHOWN_HEADERS) {
			const value = response.headers.get(name);
			if (value !== null) console.log(`${name}: ${value}`);
		}
		// A copy: the client reads the body itself, into the answer's data or error.
		const text = await response.clone().text();
		if (!text) return;
		const json = /json/.test(response.headers.get("content-type") ?? "");
		console.log(shorten(json ? JSON.stringify(JSON.parse(text), null, 2) : text));
	},
	onError({ error }) {
		fail(
			`cannot reach ${BASE}: ${error instanceof Error ? (error.cause ?? error.message) : error}`,
		);
	},
};
// Redirects are shown, not followed: a step expects the status the gateway answers.
const api = createClient({ baseUrl: BASE, redirect: "manual" });
api.use(shown);
/** For the demo's own look-ups between steps, which it does not print. */
const quiet = createClient({ baseUrl: BASE });

let stepNumber = 0;
async function step<A extends Answer>({ title, send, status, check }: Step<A>): Promise<A> {
	stepNumber += 1;
	console.log(`\n${bold(`${stepNumber}. ${title}`)}`);
	const answer = await send();
	const problem =
		answer.response.status === status
			? check?.(answer)
			: `expected ${status}, got ${answer.response.status}`;
	if (problem) fail(problem);
	return answer;
}

function fail(problem: string): never {
	console.error(`\nFAILED at step ${stepNumber}: ${problem}`);
	exit(1);
}

/** The body of a success (the step has checked the status). */
function dataOf<Data>({ data }: { data?: Data }): Data {
	return data ?? fail("a success without a body");
}
/**
 * A body the document does not allow (a required field left out), sent on
 * purpose to show how the gateway refuses it. The type parameter comes from
 * where it is used: the body that call would take.
 */
const invalid = <Body>(body: NoInfer<Partial<NonNullable<Body>>>) => body as NonNullable<Body>;

/** The Authorization header for a token pair's access token. */
const bearer = (pair: TokenPair) => ({ Authorization: `Bearer ${pair.accessToken}` });
const isPair = ({ data }: { data?: Partial<TokenPair> }) =>
	typeof data?.accessToken === "string" && typeof data.refreshToken === "string"
		? undefined
		: "no accessToken and refreshToken";
/** A check that the answer is the problem `type`; a refused token also says so in WWW-Authenticate. */
const problem =
	(type: string) =>
	({ error, response }: { error?: Schema<"Problem">; response: Response }): string | undefined => {
		if (error?.type !== type) return `expected the problem ${type}, got ${error?.type}`;
		const challenge = response.headers.get("www-authenticate") ?? "";
		return type === "/problems/invalid_token" && !challenge.includes('error="invalid_token"')
			? 'no WWW-Authenticate: Bearer ..., error="invalid_token"'
			: undefined;
	};

console.log(`Demo against ${BASE}`);
await step({
	title: "Where to start: the gateway's index of links (a browser is sent to /docs)",
	send: () => api.GET("/"),
	status: 200,
});

const paths = (await quiet.GET("/openapi.json")).data?.paths;
const tutorial = typeof paths === "object" && paths !== null && "/register" in paths;
if (tutorial) {
	console.log(`\n${bold("The tutorial's walkthrough")}`);
	const alice = { username: `alice_${run}`, password: "pass123" };
	const register = () => api.POST("/register", { body: alice });
	await step({ title: "Register a user", send: register, status: 201 });
	await step({ title: "Register the same name again", send: register, status: 409 });
	await step({
		title: "Register without a password",
		send: () => api.POST("/register", { body: invalid({ username: `bob_${run}` }) }),
		status: 400,
	});
	// The tutorial ran on an empty database, where alice was user 1. Here she
	// may be user 100, so the demo asks API v1 who she is.
	const login = await step({
		title: "Find her user id: log in through API v1 (tutorial users can)",
		send: () => api.POST("/api/v1/auth/login", { body: alice }),
		status: 200,
	});
	const { id } = dataOf(
		await step({
			title: "... and read her user",
			send: () => api.GET("/api/v1/users/me", { headers: bearer(dataOf(login)) }),
			status: 200,
		}),
	);
	// The document types the path's user id as a string (of digits).
	const validate = (userId: number) =>
		api.GET("/validate_user/{user_id}", { params: { path: { user_id: String(userId) } } });
	await step({ title: "Validate her", send: () => validate(id), status: 200 });
	await step({
		title: "Validate a user that cannot exist (ids start at 1)",
		send: () => validate(0),
		status: 404,
	});
	const createOrder = (userId: number) =>
		api.POST("/create_order", { body: { user_id: userId, items: ["item1"] } });
	await step({ title: "Create an order for her", send: () => createOrder(id), status: 201 });
	await step({ title: "Create an order for nobody", send: () => createOrder(0), status: 401 });
} else {
	console.log("\nThe tutorial's routes are off here (SEED_ROUTES), so the walkthrough is skipped.");
}

console.log(`\n${bold("API v1")}`);
const carol = { username: `carol_${run}`, password: "correct horse battery" };
const registered = dataOf(
	await step({
		title: "Register",
		send: () =>
			api.POST("/api/v1/users", { body: { ...carol, email: `carol_${run}@example.com` } }),
		status: 201,
		check: ({ response }) =>
			response.headers.get("location") === "/api/v1/users/me"
				? undefined
				: "no Location: /api/v1/users/me",
	}),
);
const logIn = (body: Schema<"Login">) => () => api.POST("/api/v1/auth/login", { body });
/** A login that must answer a token pair; the pair. */
const loggedIn = async (title: string, credentials: Schema<"Login">) =>
	dataOf(await step({ title, send: logIn(credentials), status: 200, check: isPair }));
const whoAmI = (pair: TokenPair) => () => api.GET("/api/v1/users/me", { headers: bearer(pair) });
const login = await loggedIn(
	"Log in: an access token (15 minutes) and a refresh token for the next one",
	carol,
);
const auth = bearer(login);
await step({ title: "Who am I", send: whoAmI(login), status: 200 });

const placeOrder = () =>
	api.POST("/api/v1/orders", {
		params: { header: { "idempotency-key": `demo-${run}` } },
		headers: auth,
		body: { items: [{ sku: "book-1", quantity: 2 }] },
	});
const placed = dataOf(
	await step({ title: "Place an order, with an Idempotency-Key", send: placeOrder, status: 201 }),
);
await step({
	title: "Send the same request again: replayed, not placed twice",
	send: placeOrder,
	status: 201,
	check: ({ data, response }) =>
		response.headers.get("idempotent-replayed") === "true" && data?.id === placed.id
			? undefined
			: "not the first order, replayed",
});
await step({
	title: "List my orders",
	send: () => api.GET("/api/v1/orders", { params: { query: { limit: 20 } }, headers: auth }),
	status: 200,
	check: ({ data }) => (data?.orders.length === 1 ? undefined : "not exactly the one order"),
});
const byId = { params: { path: { id: placed.id } }, headers: auth };
await step({
	title: "Read the order",
	send: () => api.GET("/api/v1/orders/{id}", byId),
	status: 200,
});
const cancel = () => api.POST("/api/v1/orders/{id}/cancel", byId);
await step({
	title: "Cancel it",
	send: cancel,
	status: 200,
	check: ({ data }) => (data?.status === "cancelled" ? undefined : "not cancelled"),
});
await step({
	title: "Cancel it again: a conflict, as a problem document",
	send: cancel,
	status: 409,
});

// The tasks queue's consumer records them a second or so after the requests
// that caused them; the design allows 5 s.
const notifications = (client: typeof api) =>
	client.GET("/api/v1/users/me/notifications", { headers: auth });
for (let waited = 0; waited < 5_000; waited += 200) {
	if (((await notifications(quiet)).data?.notifications.length ?? 0) >= 2) break;
	await new Promise((resolve) => setTimeout(resolve, 200));
}
await step({
	title: "My notifications, from the task queue: the order's confirmation and a welcome",
	send: () => notifications(api),
	status: 200,
	check: ({ data }) =>
		data?.notifications.map((n) => n.kind).join() === "order_confirmation,welcome"
			? undefined
			: "not exactly one confirmation and one welcome within 5 s",
});

await step({
	title: "Health: the gateway reaches both workers",
	send: () => api.GET("/health"),
	status: 200,
	check: ({ data }) => (data?.status === "ok" ? undefined : "not ok"),
});

console.log(`\n${bold("Sessions, a password change, logging out, deleting the account")}`);
const refresh = (pair: TokenPair) => () =>
	api.POST("/api/v1/auth/refresh", { body: { refreshToken: pair.refreshToken } });
const refreshed = dataOf(
	await step({
		title:
			"Refresh: the refresh token buys a new pair and is spent (sent again, it would end the session)",
		send: refresh(login),
		status: 200,
		check: (answer) =>
			isPair(answer) ??
			(answer.data?.refreshToken === login.refreshToken
				? "the same refresh token again"
				: undefined),
	}),
);
const sessions = () => api.GET("/api/v1/users/me/sessions", { headers: bearer(refreshed) });
await step({
	title: "My sessions: one, this one (a refresh keeps the session)",
	send: sessions,
	status: 200,
	check: ({ data }) =>
		data?.sessions.length === 1 && data.sessions[0]?.current === true
			? undefined
			: "not exactly one session, the current one",
});
const otherDevice = await loggedIn(
	"Log in again, as if on another device: a second session",
	carol,
);
const listed = dataOf(
	await step({
		title: "My sessions: two, and the current one is marked",
		send: sessions,
		status: 200,
		check: ({ data }) =>
			data?.sessions.length === 2 && data.sessions.filter((s) => s.current).length === 1
				? undefined
				: "not two sessions with one current",
	}),
);
const other = listed.sessions.find((s) => !s.current)?.id ?? fail("no other session");
await step({
	title: "End the other device's session",
	send: () =>
		api.DELETE("/api/v1/users/me/sessions/{id}", {
			params: { path: { id: other } },
			headers: bearer(refreshed),
		}),
	status: 204,
});
await step({
	title: "The other device's access token stops working at once",
	send: whoAmI(otherDevice),
	status: 401,
	check: problem("/problems/invalid_token"),
});

const newPassword = "a new and longer passphrase";
const changed = dataOf(
	await step({
		title: "Change the password: every session ends, this one too, and the answer is a new pair",
		send: () =>
			api.PUT("/api/v1/users/me/password", {
				headers: bearer(refreshed),
				body: { currentPassword: carol.password, newPassword },
			}),
		status: 200,
		check: isPair,
	}),
);
await step({
	title: "The access token from before the change is refused",
	send: whoAmI(refreshed),
	status: 401,
	check: problem("/problems/invalid_token"),
});
await step({
	title: "... and so is the refresh token from before it",
	send: refresh(refreshed),
	status: 401,
	check: problem("/problems/invalid_refresh_token"),
});
await step({ title: "The new pair works", send: whoAmI(changed), status: 200 });
await step({
	title: "Log out: send the refresh token; its session ends",
	send: () => api.POST("/api/v1/auth/logout", { body: { refreshToken: changed.refreshToken } }),
	status: 204,
});
await step({
	title: "That session's access token is refused at once",
	send: whoAmI(changed),
	status: 401,
	check: problem("/problems/invalid_token"),
});

const renewed = { ...carol, password: newPassword };
const again = await loggedIn("Log in with the new password", renewed);
await step({
	title: "Delete the account (the password once more)",
	send: () =>
		api.DELETE("/api/v1/users/me", {
			headers: bearer(again),
			body: { password: newPassword },
		}),
	status: 204,
});
await step({
	title: "Its access token is refused from now on",
	send: whoAmI(again),
	status: 401,
	check: problem("/problems/invalid_token"),
});
await step({
	title: "Its login fails, as for a wrong password",
	send: logIn(renewed),
	status: 401,
	check: problem("/problems/invalid_credentials"),
});
if (tutorial) {
	await step({
		title: "The tutorial's route no longer knows the user",
		send: () =>
			api.GET("/validate_user/{user_id}", { params: { path: { user_id: String(registered.id) } } }),
		status: 404,
	});
}
await step({
	title: "The name is free again: register it anew (a new id; ids are never reused)",
	send: () => api.POST("/api/v1/users", { body: carol }),
	status: 201,
	check: ({ data }) => (data?.id !== registered.id ? undefined : "the deleted user's id again"),
});
const fresh = await loggedIn("Log in to the new account", carol);
// The deleted account's orders are erased by its user.deleted event, which
// the tasks queue carries to the order worker (eraseOrders) within seconds.
await step({
	title: "Its orders: none; the old account's are not carried over",
	send: () => api.GET("/api/v1/orders", { headers: bearer(fresh) }),
	status: 200,
	check: ({ data }) => (data?.orders.length === 0 ? undefined : "not an empty list"),
});

console.log(`\nAll ${stepNumber} steps answered as they should.`);

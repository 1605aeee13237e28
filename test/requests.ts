import { env, exports } from "cloudflare:workers";

/**
 * Request and login fixtures for the gateway's tests, which go through the
 * gateway's own fetch handler with the real user and order workers behind it.
 */

let names = 0;
/** A username no other test in this file uses. */
export function uniqueName(prefix = "user"): string {
	names += 1;
	return `${prefix}_${names}_${crypto.randomUUID().slice(0, 8)}`;
}

export function api(path: string, init: RequestInit = {}): Promise<Response> {
	return exports.default.fetch(`http://localhost${path}`, init);
}

export function postJson(
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return api(path, {
		method: "POST",
		headers: { "Content-Type": "application/json", ...headers },
		body: JSON.stringify(body),
	});
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export const PASSWORD = "correct horse battery";

/** Registers a fresh user through API v1 and logs in. */
export async function signUp(username = uniqueName()) {
	const created = await postJson("/api/v1/users", { username, password: PASSWORD });
	if (created.status !== 201)
		throw new Error(`register: ${created.status} ${await created.text()}`);
	const user = (await created.json()) as { id: number; username: string };
	const login = await postJson("/api/v1/auth/login", { username, password: PASSWORD });
	const { accessToken } = (await login.json()) as { accessToken: string };
	return { user, token: accessToken, headers: bearer(accessToken) };
}

/** Asserts the shape every error shares and returns the body. */
export async function expectProblem(res: Response, status: number) {
	const body = (await res.json()) as Record<string, unknown>;
	if (res.status !== status || res.headers.get("content-type") !== "application/problem+json") {
		throw new Error(`expected a ${status} problem, got ${res.status}: ${JSON.stringify(body)}`);
	}
	if (typeof body.requestId !== "string" || body.requestId !== res.headers.get("x-request-id")) {
		throw new Error(`problem without the response's requestId: ${JSON.stringify(body)}`);
	}
	return body;
}

/**
 * The gateway's env with one internal worker replaced by a stub whose every
 * method fails or never answers, for driving `createApp().request()`.
 */
export function envWithBroken(
	binding: "USER_SERVICE" | "ORDER_SERVICE",
	failure: "throws" | "hangs",
): Env {
	const method = () =>
		failure === "throws" ? Promise.reject(new Error("connection reset")) : new Promise(() => {});
	const stub = new Proxy({}, { get: () => method });
	return { ...env, [binding]: stub as Env[typeof binding] };
}

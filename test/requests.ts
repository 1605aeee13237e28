import { env, exports } from "cloudflare:workers";
import { createApp } from "../workers/gateway/src/app";
import { Contract, expectConforms, type OpenApiDocument } from "./contract";

/**
 * Request and login fixtures for the gateway's tests, which go through the
 * gateway's own fetch handler with the real user and order workers behind it.
 * Every response is checked against the OpenAPI document the gateway serves
 * (./contract.ts), so a test fails when what it received departs from it.
 */

let names = 0;
/** A username no other test in this file uses. */
export function uniqueName(prefix = "user"): string {
	names += 1;
	return `${prefix}_${names}_${crypto.randomUUID().slice(0, 8)}`;
}

const contracts = new Map<string, Contract>();

/** The contract for a served document, compiled once per document. */
async function contractOf(document: Response): Promise<Contract> {
	const text = await document.text();
	let contract = contracts.get(text);
	if (!contract) {
		contract = new Contract(JSON.parse(text) as OpenApiDocument);
		contracts.set(text, contract);
	}
	return contract;
}

async function checked(contract: Contract, path: string, init: RequestInit, res: Response) {
	expectConforms(contract, {
		method: init.method ?? "GET",
		// After a followed redirect, the answer is the last URL's.
		path: new URL(res.redirected ? res.url : path, "http://localhost").pathname,
		requestHeaders: new Headers(init.headers),
		...(typeof init.body === "string" ? { requestBody: init.body } : {}),
		status: res.status,
		headers: res.headers,
		body: await res.clone().text(),
	});
	return res;
}

let served: Promise<Contract> | undefined;

export async function api(path: string, init: RequestInit = {}): Promise<Response> {
	served ??= exports.default.fetch("http://localhost/openapi.json").then(contractOf);
	const res = await exports.default.fetch(`http://localhost${path}`, init);
	return checked(await served, path, init, res);
}

/**
 * A request to a fresh gateway app with other bindings than the test
 * runtime's (a broken worker, SEED_ROUTES off), checked against the document
 * that app serves with them.
 */
export async function appRequest(path: string, init: RequestInit, bindings: Env) {
	const app = createApp();
	const res = await app.request(path, init, bindings);
	return checked(
		await contractOf(await app.request("/openapi.json", {}, bindings)),
		path,
		init,
		res,
	);
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

/** What a login, a refresh and a password change answer with. */
export interface TokenPair {
	accessToken: string;
	refreshToken: string;
	expiresIn: number;
	refreshExpiresIn: number;
}

/** Registers a fresh user through API v1 and logs in. */
export async function signUp(username = uniqueName()) {
	const created = await postJson("/api/v1/users", { username, password: PASSWORD });
	if (created.status !== 201)
		throw new Error(`register: ${created.status} ${await created.text()}`);
	const user = (await created.json()) as { id: number; username: string };
	const login = await postJson("/api/v1/auth/login", { username, password: PASSWORD });
	const { accessToken, refreshToken } = (await login.json()) as TokenPair;
	return { user, token: accessToken, refreshToken, headers: bearer(accessToken) };
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

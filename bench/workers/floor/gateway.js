// The architecture's floor, public hop: POST /orders as the gateway's
// POST /api/v1/orders does it, with no framework or validation. It still
// checks the access token (HS256, the key imported once per isolate),
// because the path it is the floor of is an authenticated one, and, when
// PLATFORM is "on", counts the request against the user's order limit and
// logs its line (log.js), as the design requires of that path.
import { hop, logHop } from "./log.js";

const encoder = new TextEncoder();
/** @type {Promise<CryptoKey> | undefined} */
let tokenKey;

/** @param {string} part base64url */
function decode(part) {
	return Uint8Array.from(atob(part.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

/**
 * The user id in a valid access token from the gateway, else null.
 * @param {string | null} authorization
 * @param {string} secret
 */
async function userIdOf(authorization, secret) {
	const parts = authorization?.startsWith("Bearer ") ? authorization.slice(7).split(".") : [];
	if (parts.length !== 3) return null;
	const [header, payload, signature] = parts;
	tokenKey ??= crypto.subtle.importKey(
		"raw",
		encoder.encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["verify"],
	);
	const signed = encoder.encode(`${header}.${payload}`);
	if (!(await crypto.subtle.verify("HMAC", await tokenKey, decode(signature), signed))) return null;
	const claims = JSON.parse(new TextDecoder().decode(decode(payload)));
	const live = claims.iss === "gateway" && claims.aud === "api" && claims.exp > Date.now() / 1000;
	return live ? Number(claims.sub) : null;
}

/**
 * @param {Request} request
 * @param {{ JWT_SECRET: string, PLATFORM: string, ORDER_LIMITER: RateLimit, ORDER_SERVICE: any }} env
 * @param {{ requestId: string, traceparent: string } | null} context
 */
async function createOrder(request, env, context) {
	const userId = await userIdOf(request.headers.get("Authorization"), env.JWT_SECRET);
	if (userId === null) return new Response(null, { status: 401 });
	if (env.PLATFORM === "on" && !(await env.ORDER_LIMITER.limit({ key: String(userId) })).success) {
		return new Response(null, { status: 429 });
	}
	const { items } = await request.json();
	using order = await env.ORDER_SERVICE.createOrder(context, userId, items);
	if (!order) return new Response(null, { status: 401 });
	return Response.json(order, { status: 201, headers: { Location: `/orders/${order.id}` } });
}

export default {
	/** @param {Request} request @param {{ JWT_SECRET: string, PLATFORM: string, ORDER_LIMITER: RateLimit, ORDER_SERVICE: any }} env */
	async fetch(request, env) {
		if (env.PLATFORM !== "on") return createOrder(request, env, null);
		const span = hop(crypto.randomUUID(), request.headers.get("traceparent") ?? undefined);
		const response = await createOrder(request, env, span.context);
		logHop(span, { service: "gateway", method: "POST", route: "/orders", status: response.status });
		return response;
	},
};

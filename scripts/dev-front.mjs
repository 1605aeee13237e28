// `npm run dev`'s public port, in front of wrangler dev's. wrangler's local
// stack answers an HTTP CONNECT with a 500 and logs an uncaught exception: no
// layer of it exports workerd's connect() handler, and a Worker that exports
// one has the tunnel accepted with a 200 before its handler runs. Cloudflare's
// network never hands CONNECT to a Worker. So the front answers CONNECT as the
// gateway answers a method it does not serve (a 404 problem document), and
// passes every other connection through to wrangler byte for byte.
import { randomUUID } from "node:crypto";
import { connect, createServer } from "node:net";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** A request line longer than this is not CONNECT's, and goes through as it is. */
const REQUEST_LINE_MAX = 8192;

/**
 * Listens on `port` at each of `hosts` it can (a machine may have no IPv6)
 * and pipes each connection to `upstreamPort` on 127.0.0.1, apart from one
 * that opens with CONNECT. Resolves once listening, to a function that closes
 * the listeners.
 * @param {{ port: number, hosts: string[], upstreamPort: number }} options
 * @returns {Promise<() => void>}
 */
export async function startFront({ port, hosts, upstreamPort }) {
	const listening = await Promise.allSettled(
		hosts.map(
			(host) =>
				new Promise((resolve, reject) => {
					// noDelay: Nagle's algorithm on a pipe holds each small write back
					// until the last is acknowledged, which the peer delays (40 ms).
					const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) =>
						frontConnection(client, upstreamPort),
					);
					server.once("error", reject).listen(port, host, () => resolve(server));
				}),
		),
	);
	const servers = listening.flatMap((result) =>
		result.status === "fulfilled" ? [result.value] : [],
	);
	if (servers.length === 0) throw listening[0]?.reason;
	return () => {
		for (const server of servers) server.close();
	};
}

/** @param {import("node:net").Socket} client @param {number} upstreamPort */
function frontConnection(client, upstreamPort) {
	let head = Buffer.alloc(0);
	client.on("error", () => client.destroy());
	/** Hands the connection, `head` first, to wrangler; `ended`: the client has half-closed it. */
	const passThrough = (ended) => {
		const upstream = connect({
			port: upstreamPort,
			host: "127.0.0.1",
			allowHalfOpen: true,
			noDelay: true,
		});
		upstream.on("error", () => client.destroy());
		client.on("error", () => upstream.destroy());
		upstream.write(head);
		if (ended) upstream.end();
		else client.pipe(upstream);
		upstream.pipe(client);
	};
	const onData = (/** @type {Buffer} */ chunk) => {
		head = Buffer.concat([head, chunk]);
		// HTTP/1.1 servers skip empty lines before a request line (RFC 9112, section 2.2).
		const start = head.length - head.toString("latin1").replace(/^(?:\r\n)+/, "").length;
		const end = head.indexOf("\r\n", start);
		if (end === -1 && head.length < REQUEST_LINE_MAX) return;
		client.off("data", onData).off("end", onEnd);
		client.pause();
		const requestLine = head.subarray(start, end === -1 ? head.length : end).toString("latin1");
		if (requestLine.startsWith("CONNECT ")) {
			void notServed(requestLine.split(" ")[1] ?? "").then((answer) => client.end(answer));
			return;
		}
		passThrough(false);
	};
	// A client that half-closes before its request line ends: wrangler answers what came, if anything.
	const onEnd = () => {
		client.off("data", onData);
		if (head.length === 0) client.end();
		else passThrough(true);
	};
	client.on("data", onData).on("end", onEnd);
}

/**
 * The headers hono/secure-headers adds with its defaults, as the gateway's
 * app.ts uses it, so the CONNECT answer carries them like every other.
 */
const secureHeaderLines = new Hono()
	.use(secureHeaders())
	.get("/", (c) => c.body(null, 204))
	.request("/")
	.then((response) => [...response.headers].map(([name, value]) => `${name}: ${value}`));

/** The gateway's answer to a method it does not serve (its `notFound`), for CONNECT. */
async function notServed(target) {
	const requestId = randomUUID();
	const body = JSON.stringify({
		type: "/problems/not_found",
		title: "Not found",
		status: 404,
		detail: `No route for CONNECT ${target}`,
		requestId,
	});
	return [
		"HTTP/1.1 404 Not Found",
		"Content-Type: application/problem+json",
		`Content-Length: ${Buffer.byteLength(body)}`,
		`x-request-id: ${requestId}`,
		"Vary: Origin",
		...(await secureHeaderLines),
		"Connection: close",
		"",
		body,
	].join("\r\n");
}

import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFront } from "./dev-front.mjs";

/** In `exchange`'s chunks: half-close the connection here. */
const FIN = "<FIN>";

/**
 * What comes back on one connection for `chunks`, written one after another,
 * until it closes; `FIN` half-closes the connection instead of writing. A
 * connection still open after 2 s is a failure: the front left it hanging.
 */
function exchange(port: number, chunks: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, "127.0.0.1");
		let answer = "";
		const hung = setTimeout(() => {
			socket.destroy();
			reject(new Error(`still open after 2 s, with ${JSON.stringify(answer)}`));
		}, 2000);
		socket.on("data", (data) => {
			answer += data.toString("latin1");
		});
		socket.on("end", () => {
			clearTimeout(hung);
			resolve(answer);
		});
		socket.on("error", reject);
		socket.on("connect", async () => {
			for (const chunk of chunks) {
				if (chunk === FIN) socket.end();
				else socket.write(chunk);
				await new Promise((next) => setTimeout(next, 20));
			}
		});
	});
}

/** The front's CONNECT answer in `answer`: its head and its problem document. */
function connectAnswer(answer: string) {
	const [head = "", body = ""] = answer.split("\r\n\r\n");
	return { head, problem: JSON.parse(body) };
}

describe("npm run dev's front", () => {
	let upstream: Server;
	let close: () => void;
	let port: number;
	const seen: string[] = [];

	beforeAll(async () => {
		upstream = createServer((request, response) => {
			seen.push(`${request.method} ${request.url}`);
			// Once the request's body is in, as the gateway reads it.
			request.resume().on("end", () => response.end(`${request.method} ${request.url}`));
		});
		await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
		const address = upstream.address();
		if (typeof address !== "object" || address === null) throw new Error("no upstream port");
		port = 20_000 + Math.floor(Math.random() * 20_000);
		close = await startFront({ port, hosts: ["127.0.0.1"], upstreamPort: address.port });
	});

	afterAll(() => {
		close();
		upstream.close();
	});

	it("answers CONNECT itself with the gateway's 404 problem, and passes nothing on", async () => {
		const answer = await exchange(port, [
			"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		]);
		const { head, problem } = connectAnswer(answer);
		expect(head).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
		expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
		// Like every answer of the gateway's (hono/secure-headers' defaults).
		expect(head).toMatch(/\r\nX-Content-Type-Options: nosniff\r\n/i);
		expect(head).toMatch(/\r\nStrict-Transport-Security: max-age=\d+; includeSubDomains\r\n/i);
		expect(problem).toEqual({
			type: "/problems/not_found",
			title: "Not found",
			status: 404,
			detail: "No route for CONNECT example.com:443",
			requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
		});
		expect(seen).toEqual([]);
	});

	it("passes every other request through, over one connection, its request line in pieces", async () => {
		const answer = await exchange(port, [
			"GE",
			"T /health HTTP/1.1\r\nHost: x\r\n\r\n",
			"DELETE /a?b=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		]);
		expect(answer).toMatch(
			/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nGET \/healthHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nDELETE \/a\?b=1$/,
		);
		expect(seen).toEqual(["GET /health", "DELETE /a?b=1"]);
	});

	it("answers a CONNECT after empty lines, which HTTP/1.1 servers skip (RFC 9112, section 2.2)", async () => {
		const answer = await exchange(port, [
			"\r\n\r\nCONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n",
		]);
		expect(connectAnswer(answer).problem.detail).toBe("No route for CONNECT example.com:443");
		expect(seen).not.toContain("CONNECT example.com:443");
	});

	it("closes a connection the client half-closes before its request line ends, as wrangler does", async () => {
		for (const chunks of [[FIN], ["GET /heal", FIN]]) {
			await expect(exchange(port, chunks)).resolves.not.toMatch(/^HTTP\/1\.1 200/);
		}
	});

	it("adds no delay of its own: small writes go out at once (no Nagle's algorithm)", async () => {
		// As curl and fetch do, the client sends each write at once.
		const socket = connect({ port, host: "127.0.0.1", noDelay: true });
		await new Promise((resolve) => socket.once("connect", resolve));
		const took: number[] = [];
		for (let n = 0; n < 20; n++) {
			const started = performance.now();
			const body = `{"n":${n}}`;
			socket.write(`POST /n HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
			// The body a moment after the head, as a client that streams it sends it.
			await new Promise((next) => setTimeout(next, 1));
			socket.write(body);
			await new Promise<void>((resolve) => {
				let answer = "";
				const onData = (data: Buffer) => {
					answer += data.toString("latin1");
					if (!answer.endsWith("POST /n")) return;
					socket.off("data", onData);
					resolve();
				};
				socket.on("data", onData);
			});
			took.push(performance.now() - started);
		}
		socket.destroy();
		took.sort((a, b) => a - b);
		// Nagle's algorithm held the body back until the head was acknowledged,
		// which the peer delays: 44 ms for nearly every exchange.
		expect(took[17]).toBeLessThan(30);
	});
});

import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFront } from "./dev-front.mjs";

/** What comes back on one connection for `chunks`, written one after another, until it closes. */
function exchange(port: number, chunks: string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect(port, "127.0.0.1");
		let answer = "";
		socket.on("data", (data) => {
			answer += data.toString("latin1");
		});
		socket.on("end", () => resolve(answer));
		socket.on("error", reject);
		socket.on("connect", async () => {
			for (const chunk of chunks) {
				socket.write(chunk);
				await new Promise((next) => setTimeout(next, 20));
			}
		});
	});
}

describe("npm run dev's front", () => {
	let upstream: Server;
	let close: () => void;
	let port: number;
	const seen: string[] = [];

	beforeAll(async () => {
		upstream = createServer((request, response) => {
			seen.push(`${request.method} ${request.url}`);
			response.end(`${request.method} ${request.url}`);
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
		const [head = "", body = ""] = answer.split("\r\n\r\n");
		expect(head).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
		expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/i);
		expect(JSON.parse(body)).toEqual({
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
});

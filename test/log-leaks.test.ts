import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LogLeaks, leakIn, secretsOfTests } from "./log-leaks";

// Lines as the workers write them (shared/kit/log.ts), with a trace id in each.
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const line = (fields: Record<string, unknown>) =>
	JSON.stringify({
		time: "2026-01-01T00:00:00.000Z",
		service: "gateway",
		requestId: "0fc8c275-6f3a-4b8e-9d3c-2a1b0c9d8e7f",
		traceId: TRACE,
		...fields,
	});
const TOKEN =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.ZmFrZS1zaWduYXR1cmUtZm9yLWEtdGVzdA";

describe("leakIn", () => {
	describe("happy", () => {
		it("passes the lines the workers write", () => {
			for (const ok of [
				line({ method: "GET", route: "/api/v1/orders/:id", status: 200, durationMs: 3 }),
				line({ rpc: "createUser", status: "username_taken", durationMs: 41 }),
				line({ level: "warn", error: "The user service is unavailable", cause: "timed out" }),
				line({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01`, eventId: crypto.randomUUID() }),
				line({ queue: "tasks", messageId: "0123456789abcdef".repeat(2), status: "ok" }),
				line({ email: "sent", to: "carol@example.com", idempotencyKey: crypto.randomUUID() }),
			]) {
				expect(leakIn(ok, ["correct horse battery"])).toBeNull();
			}
		});
	});

	describe("security", () => {
		it.each([
			["a PBKDF2 hash", line({ error: "pbkdf2-sha256$100000$c2FsdA==$aGFzaA==" })],
			["a JWT", line({ authorization: `Bearer ${TOKEN}` })],
			["a JWT", `request failed for ${TOKEN.split(".").slice(0, 2).join(".")}.`],
			["a secret's field", line({ body: { username: "carol", password: "hunter22" } })],
			["a secret's field", line({ tokenKey: "k" })],
			["a token key", line({ error: `token key ${"0123456789abcdef".repeat(2)} mismatch` })],
			["a password or signing secret of the tests", line({ error: "bad: correct horse battery" })],
		])("finds %s", (what, leaking) => {
			expect(leakIn(leaking, ["correct horse battery"])).toMatchObject({ what });
		});
	});
});

describe("secretsOfTests", () => {
	describe("happy", () => {
		it("finds the passwords and signing secrets the tests use", () => {
			const secrets = secretsOfTests(path.join(import.meta.dirname, ".."));
			expect(secrets).toEqual(
				expect.arrayContaining([
					"correct horse battery",
					"pass123",
					"s3cret-pass",
					"wrong password",
					"the-next-signing-secret-",
				]),
			);
			expect(secrets.every((secret) => secret.length >= 6)).toBe(true);
		});
	});
});

describe("LogLeaks", () => {
	const exitCode = process.exitCode;
	afterEach(() => {
		process.exitCode = exitCode;
		vi.restoreAllMocks();
	});

	describe("happy", () => {
		it("leaves a run whose lines hold no secret alone", () => {
			const report = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
			const leaks = new LogLeaks(["correct horse battery"]);
			leaks.onUserConsoleLog({ content: line({ status: 200 }), type: "stdout", time: 0, size: 1 });
			leaks.onTestRunEnd();
			expect(process.exitCode).toBe(exitCode);
			expect(report).not.toHaveBeenCalled();
		});
	});

	describe("security", () => {
		it("fails the run for a leaking line from a runner or an internal worker, naming it without the secret", () => {
			const report = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
			const leaks = new LogLeaks(["correct horse battery"]);
			leaks.onUserConsoleLog({
				content: line({ error: "login failed for correct horse battery" }),
				type: "stdout",
				time: 0,
				size: 1,
			});
			leaks.inspect(line({ service: "user", note: TOKEN }), "internal worker");
			leaks.onTestRunEnd();

			expect(process.exitCode).toBe(1);
			const text = String(report.mock.calls[0]?.[0]);
			expect(text).toContain("2 log line(s) hold a password, hash or token");
			expect(text).toContain("test runner:");
			expect(text).toContain("internal worker:");
			expect(text).toContain("<a JWT>");
			expect(text).not.toContain("correct horse battery");
			expect(text).not.toContain(TOKEN);
		});
	});
});

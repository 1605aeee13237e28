import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testCall } from "#test/call-context";
import { failingMetrics, spyMetrics } from "#test/metrics";
import { deliver } from "#test/queues";
import worker, { UserService } from "./index";

const service = (bindings: Env) => new UserService(createExecutionContext(), bindings);

describe("the user worker's metrics", () => {
	describe("happy", () => {
		it("writes exactly one data point per RPC call, naming a rejection as such", async () => {
			const metrics = spyMetrics();
			const bindings = { ...env, METRICS: metrics.dataset };
			await service(bindings).createUser(testCall(), { username: "mia", password: "pass1234" });
			await service(bindings).logIn(testCall(), "mia", "wrong-pass");
			expect(metrics.points()).toEqual([
				{
					indexes: ["user:createUser"],
					blobs: ["user", "createUser", "rpc", "ok", ""],
					doubles: [expect.any(Number)],
				},
				{
					indexes: ["user:logIn"],
					blobs: ["user", "logIn", "rpc", "rejected", ""],
					doubles: [expect.any(Number)],
				},
			]);
		});

		it("writes one per queue message, marking a redelivery as a retry", async () => {
			const metrics = spyMetrics();
			const bindings = { ...env, METRICS: metrics.dataset };
			await deliver(worker, bindings, "tasks", [{ not: "an event" }], { ids: ["bad-1"] });
			await deliver(worker, bindings, "tasks", [{ not: "an event" }], {
				ids: ["bad-2"],
				attempts: 2,
			});
			expect(metrics.points().map((point) => point?.blobs)).toEqual([
				["user", "tasks", "message", "dead_letter", ""],
				["user", "tasks", "message", "dead_letter", "retry"],
			]);
		});
	});

	describe("errors", () => {
		it("answers the same when the binding fails", async () => {
			const bindings = { ...env, METRICS: failingMetrics() };
			const created = await service(bindings).createUser(testCall(), {
				username: "nia",
				password: "pass1234",
			});
			expect(created).toMatchObject({ ok: true, value: { user: { username: "nia" } } });
			expect(await service(bindings).logIn(testCall(), "nia", "pass1234")).toMatchObject({
				ok: true,
			});
		});
	});
});

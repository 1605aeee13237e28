import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testCall } from "#test/call-context";
import { UserService } from "./index";
import { userShards } from "./shards";

/** Makes every insert into `table` fail with `message`, until the test ends. */
async function failInserts(table: "users" | "outbox", message: string) {
	for (const shard of userShards(env)) {
		await shard.exec(
			`CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, '${message}'); END;`,
		);
	}
}

afterEach(async () => {
	vi.restoreAllMocks();
	for (const shard of userShards(env)) {
		await shard.exec("DROP TRIGGER IF EXISTS fail_users; DROP TRIGGER IF EXISTS fail_outbox;");
	}
});

async function createUser(username: string, password: string) {
	const ctx = createExecutionContext();
	const result = await new UserService(ctx, env)
		.createUser(testCall("req-9"), { username, password })
		.catch((error: unknown) => error);
	await waitOnExecutionContext(ctx);
	return result;
}

describe("UserService.createUser over a failing database", () => {
	describe("errors", () => {
		it("stores neither the user nor its event when the event cannot be written, and sends nothing", async () => {
			await failInserts("outbox", "outbox unavailable");
			vi.spyOn(console, "log").mockImplementation(() => {});
			const send = vi.spyOn(env.TASKS, "sendBatch");

			const error = await createUser("erin", "pass1234");

			expect(String(error)).toMatch(/outbox unavailable/);
			for (const shard of userShards(env)) {
				expect(
					await shard.prepare("SELECT id FROM users WHERE username = 'erin'").first(),
				).toBeNull();
			}
			expect(send).not.toHaveBeenCalled();
		});
	});

	// A database failure must not carry the query's parameters (the new
	// user's password hash) into a log line or across RPC.
	describe("security", () => {
		it("fails the call with the driver's message, never the hash", async () => {
			await failInserts("users", "users unavailable");
			const log = vi.spyOn(console, "log").mockImplementation(() => {});

			const error = await createUser("dave", "secret-pass-9");

			expect(error).toBeInstanceOf(Error);
			expect(String(error)).toMatch(/^Error: user\.createUser failed: .*users unavailable/);
			const lines = log.mock.calls.map(([line]) => String(line));
			// The failed call's line (the user's Account object logs its own calls).
			expect(lines.filter((line) => line.includes('"rpc":"createUser"'))).toEqual([
				expect.stringContaining('"status":"exception"'),
			]);
			for (const text of [...lines, String(error)]) {
				expect(text).not.toMatch(/pbkdf2|secret-pass-9/);
			}
		});
	});
});

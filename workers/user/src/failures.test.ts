import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testCall } from "../../../test/call-context";
import { UserService } from "./index";

afterEach(() => {
	vi.restoreAllMocks();
});

// A database failure must not carry the query's parameters (the new user's
// password hash) into a log line or across RPC. Storage is per test file, so
// breaking the table here touches no other test.
describe("UserService over a failing database", () => {
	describe("security", () => {
		it("fails the call with the driver's message, never the hash", async () => {
			await env.DB.exec("DROP TABLE users");
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			const service = new UserService(createExecutionContext(), env);

			const error = await service
				.createUser(testCall("req-9"), { username: "dave", password: "secret-pass-9" })
				.catch((e: unknown) => e);

			expect(error).toBeInstanceOf(Error);
			expect(String(error)).toMatch(/^Error: user\.createUser failed: .*no such table: users/);
			const lines = log.mock.calls.map(([line]) => String(line));
			expect(lines).toEqual([expect.stringContaining('"status":"exception"')]);
			for (const text of [...lines, String(error)]) {
				expect(text).not.toMatch(/pbkdf2|secret-pass-9/);
			}
		});
	});
});

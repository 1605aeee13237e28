import {
	createExecutionContext,
	createScheduledController,
	waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { notificationsOf } from "../../../test/account-notifications";
import { testCall } from "../../../test/call-context";
import { unreachableQueue } from "../../../test/queues";
import worker, { UserService } from "./index";
import { userShards } from "./shards";

afterEach(() => {
	vi.restoreAllMocks();
});

let names = 0;
/** Registers a user through the RPC method, on `bindings`, and waits for what it left running. */
async function register(bindings: Env = env) {
	names += 1;
	const ctx = createExecutionContext();
	const created = await new UserService(ctx, bindings).createUser(testCall(), {
		username: `outbox${names}`,
		password: "pass1234",
	});
	await waitOnExecutionContext(ctx);
	if (!created.ok) throw new Error(created.error);
	return created.value.user;
}

/** Whether the user's user.registered event is still waiting in the outbox. */
async function waitingToSend(userId: number): Promise<boolean> {
	for (const shard of userShards(env)) {
		const row = await shard
			.prepare("SELECT event_id FROM outbox WHERE json_extract(event, '$.userId') = ?")
			.bind(userId)
			.first();
		if (row !== null) return true;
	}
	return false;
}

/** The relay, as the cron trigger runs it `minutesLater` after now. */
async function runCron(minutesLater: number) {
	await worker.scheduled(
		createScheduledController({ scheduledTime: Date.now() + minutesLater * 60_000 }),
		env,
	);
}

/** Waits until the tasks consumer has recorded the user's notifications. */
function welcomesOf(userId: number) {
	return vi.waitFor(
		async () => {
			const results = await notificationsOf(userId);
			if (results.length === 0) throw new Error("no notification yet");
			return results.map(({ kind }) => ({ kind }));
		},
		{ timeout: 3_000, interval: 20 },
	);
}

describe("the user worker's outbox", () => {
	describe("happy", () => {
		it("sends a registration's event once the response has left, and takes it out of the outbox", async () => {
			const user = await register();
			expect(await waitingToSend(user.id)).toBe(false);
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);
		});
	});

	describe("errors", () => {
		it("leaves an event whose send failed to the cron, which sends it once", async () => {
			const user = await register({ ...env, TASKS: unreachableQueue() });
			expect(await waitingToSend(user.id)).toBe(true);

			// Within its first 30 s an event may still be in its first send.
			await runCron(0);
			expect(await waitingToSend(user.id)).toBe(true);

			await runCron(1);
			expect(await waitingToSend(user.id)).toBe(false);
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);

			const send = vi.spyOn(env.TASKS, "sendBatch");
			await runCron(2);
			expect(send).not.toHaveBeenCalled();
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);
		});

		it("writes and sends nothing for a registration that was refused", async () => {
			const user = await register();
			const outboxSize = async () => {
				let size = 0;
				for (const shard of userShards(env)) {
					size +=
						(await shard.prepare("SELECT count(*) AS count FROM outbox").first<number>("count")) ??
						0;
				}
				return size;
			};
			const before = await outboxSize();
			const send = vi.spyOn(env.TASKS, "sendBatch");
			const ctx = createExecutionContext();
			const refused = await new UserService(ctx, env).createUser(testCall(), {
				username: user.username.toUpperCase(),
				password: "pass1234",
			});
			await waitOnExecutionContext(ctx);
			expect(refused).toEqual({ ok: false, error: "username_taken" });
			expect(send).not.toHaveBeenCalled();
			expect(await outboxSize()).toBe(before);
		});
	});
});

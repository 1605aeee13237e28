import {
	createExecutionContext,
	createScheduledController,
	waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { taskQueueOf, taskQueues } from "#shared/contracts/task-queues";
import { OUTBOX_RETENTION_MS } from "#shared/kit/outbox-table";
import { notificationsOf } from "#test/account-notifications";
import { testCall } from "#test/call-context";
import { userRegistered } from "#test/events";
import { unreachableQueue } from "#test/queues";
import worker, { UserService } from "./index";
import { pruneOutbox } from "./outbox";
import { userShards } from "./shards";
import { usersDb } from "./users";

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
			.prepare(
				"SELECT event_id FROM outbox WHERE json_extract(event, '$.userId') = ? AND sent_at IS NULL",
			)
			.bind(userId)
			.first();
		if (row !== null) return true;
	}
	return false;
}

/** The user's outbox rows, wherever they are: each event, and when it was sent. */
async function outboxRowsOf(userId: number) {
	const rows: { event_id: string; sent_at: number | null }[] = [];
	for (const shard of userShards(env)) {
		const { results } = await shard
			.prepare("SELECT event_id, sent_at FROM outbox WHERE json_extract(event, '$.userId') = ?")
			.bind(userId)
			.all<{ event_id: string; sent_at: number | null }>();
		rows.push(...results);
	}
	return rows;
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
		it("sends a registration's event once the response has left, and marks it sent", async () => {
			const before = Date.now();
			const user = await register();
			expect(await waitingToSend(user.id)).toBe(false);
			const [row] = await outboxRowsOf(user.id);
			expect(row?.sent_at).toBeGreaterThanOrEqual(before);
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);
		});

		it("keeps a sent event for the retention, and the cron prunes it after", async () => {
			const user = await register();
			expect(await outboxRowsOf(user.id)).toHaveLength(1);
			await runCron(OUTBOX_RETENTION_MS / 60_000 - 1);
			expect(await outboxRowsOf(user.id)).toHaveLength(1);
			await runCron(OUTBOX_RETENTION_MS / 60_000 + 1);
			expect(await outboxRowsOf(user.id)).toEqual([]);
		});
	});

	describe("errors", () => {
		it("leaves an event whose send failed to the cron, which sends it once", async () => {
			// Every tasks queue down (a user's events go to one of them).
			const user = await register({
				...env,
				TASKS: unreachableQueue(),
				TASKS_1: unreachableQueue(),
			});
			expect(await waitingToSend(user.id)).toBe(true);

			// Within its first 30 s an event may still be in its first send.
			await runCron(0);
			expect(await waitingToSend(user.id)).toBe(true);

			await runCron(1);
			expect(await waitingToSend(user.id)).toBe(false);
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);

			const send = vi.spyOn(taskQueueOf(taskQueues(env), user.id), "sendBatch");
			await runCron(2);
			expect(send).not.toHaveBeenCalled();
			expect(await welcomesOf(user.id)).toEqual([{ kind: "welcome" }]);
		});

		it("never prunes an event still to send, however old", async () => {
			const [shard] = userShards(env) as [D1Database];
			const old = Date.now() - 3 * OUTBOX_RETENTION_MS;
			const event = { ...userRegistered(999_999), occurredAt: new Date(old).toISOString() };
			await shard
				.prepare("INSERT INTO outbox (event_id, event, created_at) VALUES (?, ?, ?)")
				.bind(event.eventId, JSON.stringify(event), old)
				.run();
			await pruneOutbox(usersDb(shard), new Date());
			const row = shard
				.prepare("SELECT sent_at FROM outbox WHERE event_id = ?")
				.bind(event.eventId);
			expect(await row.first()).toEqual({ sent_at: null });
			await shard.prepare("DELETE FROM outbox WHERE event_id = ?").bind(event.eventId).run();
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
			const sends = taskQueues(env).map((queue) => vi.spyOn(queue, "sendBatch"));
			const ctx = createExecutionContext();
			const refused = await new UserService(ctx, env).createUser(testCall(), {
				username: user.username.toUpperCase(),
				password: "pass1234",
			});
			await waitOnExecutionContext(ctx);
			expect(refused).toEqual({ ok: false, error: "username_taken" });
			for (const send of sends) expect(send).not.toHaveBeenCalled();
			expect(await outboxSize()).toBe(before);
		});
	});
});

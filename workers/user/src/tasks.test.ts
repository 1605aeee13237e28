import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { notificationsOf } from "#test/account-notifications";
import { testCall } from "#test/call-context";
import { orderCreated } from "#test/events";
import { deliver } from "#test/queues";
import { logEmailSender } from "./email";
import worker from "./index";
import { MAX_ATTEMPTS } from "./tasks";
import { insertUser, usersDb } from "./users";

afterEach(() => {
	vi.restoreAllMocks();
});

let names = 0;
/**
 * A stored user with an e-mail address, and its user.registered event: in
 * the first shard, with its Account object told so, as registration does.
 * Ids far above the ones registrations here get.
 */
async function registered(email = "someone@example.com") {
	names += 1;
	const id = 100_000 + names;
	const username = `user${names}`;
	await env.ACCOUNT.getByName(String(id)).register(testCall(), 0, { username, email });
	const created = await insertUser(
		usersDb(env.USERS_DB_0),
		{ id, username, email, passwordHash: "x", createdAt: new Date() },
		testCall(),
	);
	if (!created.ok) throw new Error(created.error);
	return created.value;
}

const consume = (bodies: unknown[], options?: Parameters<typeof deliver>[4]) =>
	deliver(worker, env, "tasks", bodies, options);

/** Waits for the tasks-dlq consumer to store the dead letter of message `messageId`. */
function storedDeadLetter(messageId: string) {
	return vi.waitFor(
		async () => {
			const row = await env.USERS_DB_0.prepare("SELECT * FROM dead_letters WHERE message_id = ?")
				.bind(messageId)
				.first<{ body: string; error: string; attempts: number }>();
			if (!row) throw new Error(`no dead letter ${messageId} yet`);
			return { ...row, body: JSON.parse(row.body) };
		},
		{ timeout: 5_000, interval: 50 },
	);
}

describe("the tasks consumer", () => {
	describe("happy", () => {
		it("records a welcome for user.registered and sends its e-mail", async () => {
			const send = vi.spyOn(logEmailSender, "send");
			const { user, event } = await registered("ada@example.com");
			const result = await consume([event]);
			expect(result.explicitAcks).toEqual(["m0"]);
			expect(await notificationsOf(user.id)).toEqual([
				{ id: event.eventId, kind: "welcome", order_id: null, emailed_at: expect.any(Number) },
			]);
			expect(send).toHaveBeenCalledExactlyOnceWith({
				to: "ada@example.com",
				subject: `Welcome, ${user.username}`,
				text: expect.any(String),
				idempotencyKey: event.eventId,
			});
		});

		it("records an order confirmation naming the order for order.created", async () => {
			const { user } = await registered();
			const event = orderCreated(user.id);
			await consume([event]);
			expect(await notificationsOf(user.id)).toContainEqual(
				expect.objectContaining({ kind: "order_confirmation", order_id: event.orderId }),
			);
		});
	});

	describe("errors", () => {
		it("records one notification and sends one e-mail for a message delivered twice", async () => {
			const send = vi.spyOn(logEmailSender, "send");
			const { user, event } = await registered();
			await consume([event]);
			await consume([event], { attempts: 2 });
			expect(await notificationsOf(user.id)).toHaveLength(1);
			expect(send).toHaveBeenCalledOnce();
		});

		it("retries a failing message with growing delays, then records it exactly once", async () => {
			const send = vi
				.spyOn(logEmailSender, "send")
				.mockRejectedValueOnce(new Error("smtp down"))
				.mockRejectedValueOnce(new Error("smtp down"));
			const { user, event } = await registered();
			const first = await consume([event], { attempts: 1 });
			const second = await consume([event], { attempts: 2 });
			const third = await consume([event], { attempts: 3 });
			expect(first.retryMessages).toEqual([{ msgId: "m0", delaySeconds: 5 }]);
			expect(second.retryMessages).toEqual([{ msgId: "m0", delaySeconds: 10 }]);
			expect(third.explicitAcks).toEqual(["m0"]);
			expect(third.retryMessages).toEqual([]);
			expect(await notificationsOf(user.id)).toEqual([
				expect.objectContaining({ id: event.eventId, emailed_at: expect.any(Number) }),
			]);
			expect(send).toHaveBeenCalledTimes(3);
		});

		it("sends a message that always fails to tasks-dlq on its last delivery, where it is stored", async () => {
			vi.spyOn(logEmailSender, "send").mockRejectedValue(new Error("smtp down"));
			const { event } = await registered();
			const id = crypto.randomUUID();
			// The delays workers/user/wrangler.toml promises: 5, 10, 20, 40 s.
			const delays = [5, 10, 20, 40];
			for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) {
				const result = await consume([event], { attempts, ids: [id] });
				expect(result.retryMessages).toEqual([{ msgId: id, delaySeconds: delays[attempts - 1] }]);
			}
			const last = await consume([event], { attempts: MAX_ATTEMPTS, ids: [id] });
			expect(last.retryMessages).toEqual([]);
			expect(last.explicitAcks).toEqual([id]);
			expect(await storedDeadLetter(id)).toMatchObject({
				body: event,
				error: "smtp down",
				attempts: MAX_ATTEMPTS,
			});
		});

		it.each([
			["a body that is not an event", { hello: "world" }],
			["an event of an unknown type", { ...orderCreated(1), type: "order.shipped" }],
			["an event without its ids", { type: "user.registered" }],
			["text", "user.registered"],
		])("dead-letters %s at once, without retries", async (_case, body) => {
			const id = crypto.randomUUID();
			const result = await consume([body], { ids: [id] });
			expect(result.retryMessages).toEqual([]);
			expect(result.explicitAcks).toEqual([id]);
			expect(await storedDeadLetter(id)).toMatchObject({
				body,
				error: "not a task event",
				attempts: 1,
			});
		});

		it("retries only the message that failed, not its whole batch", async () => {
			const good = await registered();
			const other = await registered();
			vi.spyOn(logEmailSender, "send").mockImplementation(async (email) => {
				if (email.idempotencyKey === other.event.eventId) throw new Error("smtp down");
			});
			const result = await consume([good.event, other.event, orderCreated(good.user.id)]);
			expect(result.retryBatch.retry).toBe(false);
			expect(result.explicitAcks).toEqual(["m0", "m2"]);
			expect(result.retryMessages).toEqual([{ msgId: "m1", delaySeconds: 5 }]);
		});
	});

	describe("security", () => {
		it("logs one line per message under the trace of the request that caused it", async () => {
			const { event } = await registered();
			const log = vi.spyOn(console, "log").mockImplementation(() => {});
			await consume([event]);
			const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
			expect(lines).toContainEqual(
				expect.objectContaining({
					service: "user",
					queue: "tasks",
					eventId: event.eventId,
					requestId: event.requestId,
					traceId: event.traceparent.split("-")[1],
					status: "ok",
					durationMs: expect.any(Number),
				}),
			);
		});
	});
});

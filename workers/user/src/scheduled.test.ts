import {
	createExecutionContext,
	createScheduledController,
	waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OrderRedrive } from "#shared/contracts/orders";
import { taskQueueOf, taskQueues } from "#shared/contracts/task-queues";
import { notificationsOf } from "#test/account-notifications";
import { testCall } from "#test/call-context";
import { logEmailSender } from "./email";
import worker, { UserService } from "./index";
import { userShards } from "./shards";

const call = testCall();
const service = () => new UserService(createExecutionContext(), env);

afterEach(() => {
	vi.restoreAllMocks();
});

let names = 0;
/** A registered user with an e-mail address, whose welcome has been recorded and e-mailed. */
async function registered() {
	names += 1;
	const username = `redrive${names}`;
	const ctx = createExecutionContext();
	const created = await new UserService(ctx, env).createUser(call, {
		username,
		password: "pass1234",
		email: `${username}@example.com`,
	});
	await waitOnExecutionContext(ctx);
	if (!created.ok) throw new Error(created.error);
	const { user } = created.value;
	await vi.waitFor(async () => expect(await notificationsOf(user.id)).toHaveLength(1));
	return { user, username };
}

/** The first users database, where redrive requests are kept. */
const first = () => userShards(env)[0] as D1Database;

/** Asks for a redrive of what was sent in the last `minutes`, as `npm run redrive` does. */
async function requestRedrive(minutes: number): Promise<number> {
	const now = Date.now();
	const row = await first()
		.prepare("INSERT INTO redrive_requests (since, requested_at) VALUES (?, ?) RETURNING id")
		.bind(now - minutes * 60_000, now)
		.first<{ id: number }>();
	if (!row) throw new Error("no request written");
	return row.id;
}

const requestRow = (id: number) =>
	first()
		.prepare(
			"SELECT since, requested_at, user_events, books, order_events, done_at FROM redrive_requests WHERE id = ?",
		)
		.bind(id)
		.first<Record<string, number | null>>();

/** The cron, `minutesLater` after now. */
async function runCron(minutesLater = 1) {
	await worker.scheduled(
		createScheduledController({ scheduledTime: Date.now() + minutesLater * 60_000 }),
		env,
	);
}

/** The redrive steps the order worker (test/order-stub.js) was asked for. */
const orderRedrives = async () =>
	(await (await env.ORDER_SERVICE.fetch("http://order-stub/redrives")).json()) as OrderRedrive[];

/** The consumer's log lines for event `eventId` that settled it. */
function consumed(log: { mock: { calls: unknown[][] } }, eventId: string) {
	return log.mock.calls
		.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
		.filter((line) => line.eventId === eventId && line.queue !== undefined && line.status === "ok");
}

describe("a redrive request", () => {
	describe("happy", () => {
		it("has the relay send the window's events again, which change nothing: one welcome, one e-mail", async () => {
			const email = vi.spyOn(logEmailSender, "send");
			const { user } = await registered();
			await vi.waitFor(() => expect(email).toHaveBeenCalledOnce());
			const queue = vi.spyOn(taskQueueOf(taskQueues(env), user.id), "sendBatch");
			const log = vi.spyOn(console, "log");

			const id = await requestRedrive(10);
			await runCron();

			const resent = queue.mock.calls
				.flatMap(([messages]) => [...messages])
				.map((message) => message.body as { type: string; userId: number; eventId: string })
				.filter((event) => event.userId === user.id);
			expect(resent).toEqual([expect.objectContaining({ type: "user.registered" })]);
			const eventId = resent[0]?.eventId ?? "";
			// Delivered again and settled, and nothing more recorded or e-mailed.
			await vi.waitFor(() => expect(consumed(log, eventId)).toHaveLength(1));
			expect(await notificationsOf(user.id)).toEqual([expect.objectContaining({ id: eventId })]);
			expect(email).toHaveBeenCalledOnce();

			const row = await requestRow(id);
			expect(row).toMatchObject({ books: 0, order_events: 0, done_at: expect.any(Number) });
			expect(row?.user_events).toBeGreaterThanOrEqual(1);
			// The order worker walked the same window.
			expect(await orderRedrives()).toContainEqual({
				sinceMs: row?.since,
				untilMs: row?.requested_at,
				cursor: null,
			});

			// Done: the next run does not carry it out again.
			queue.mockClear();
			await runCron(2);
			expect(queue).not.toHaveBeenCalled();
		});

		it("re-sends a deletion harmlessly: the account stays closed and its orders are erased again", async () => {
			const { user, username } = await registered();
			const started = await service().logIn(call, username, "pass1234");
			if (!started.ok) throw new Error("login failed");
			const principal = { userId: user.id, sessionId: started.value.session.sessionId };
			const erased = async () =>
				((await (await env.ORDER_SERVICE.fetch("http://order-stub/")).json()) as number[]).filter(
					(id) => id === user.id,
				);
			expect(await service().deleteAccount(call, principal, "pass1234")).toEqual({
				ok: true,
				value: null,
			});
			await vi.waitFor(async () => expect(await erased()).toHaveLength(1));

			await requestRedrive(10);
			await runCron();
			// user.registered and user.deleted both went again; only the deletion does anything.
			await vi.waitFor(async () => expect(await erased()).toHaveLength(2));
			expect(await service().isValidUser(call, principal)).toBe(false);
			expect((await service().logIn(call, username, "pass1234")).ok).toBe(false);
			expect(await notificationsOf(user.id)).toEqual([]);
			const deadLetters = await first()
				.prepare("SELECT count(*) AS n FROM dead_letters WHERE json_extract(body, '$.userId') = ?")
				.bind(user.id)
				.first<number>("n");
			expect(deadLetters).toBe(0);
		});
	});

	describe("errors", () => {
		it("stays open while the order worker fails, the relay running meanwhile, and completes on a later run", async () => {
			const id = await requestRedrive(10);
			const asked = (await orderRedrives()).length;
			await env.ORDER_SERVICE.fetch("http://order-stub/fail?times=1", { method: "POST" });
			const log = vi.spyOn(console, "log");
			await runCron();
			const row = await requestRow(id);
			expect(row).toMatchObject({ done_at: null });
			// The users databases' part is done, and not repeated.
			expect(row?.user_events).not.toBeNull();
			const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
			expect(lines).toContainEqual(
				expect.objectContaining({ redrive: id, status: "failed", level: "warn" }),
			);
			expect(lines).toContainEqual(expect.objectContaining({ rpc: "scheduled", status: "ok" }));

			await runCron();
			expect(await requestRow(id)).toMatchObject({ done_at: expect.any(Number) });
			expect((await orderRedrives()).length).toBe(asked + 1);
		});
	});
});

describe("UserService.runScheduledWork", () => {
	describe("happy", () => {
		it("does the cron's work now, and says what it did", async () => {
			const id = await requestRedrive(1);
			const report = await service().runScheduledWork(call);
			expect(report.redrives).toContainEqual(expect.objectContaining({ id, done: true }));
			expect(report).toMatchObject({ relayed: expect.any(Number), pruned: expect.any(Number) });
		});
	});
});

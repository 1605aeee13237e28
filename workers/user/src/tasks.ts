import { type TaskEvent, TaskEventSchema, type UserDeleted } from "#shared/contracts/events";
import type { OrderErasure } from "#shared/contracts/orders";
import { disposed } from "#shared/kit/dispose";
import { eventFields, logLine, safeErrorMessage } from "#shared/kit/log";
import { recordPoint } from "#shared/kit/metrics";
import type { Account } from "./account";
import { type DeadLetter, deadLetterOf } from "./dead-letters";
import type { Email, EmailSender } from "./email";
import type { NotifyingEvent } from "./notifications";

/**
 * Deliveries of one message before this consumer dead-letters it itself.
 * wrangler.toml's `max_retries` for the tasks queue is the same number, one
 * delivery more, so the queue's own move to tasks-dlq happens only when this
 * consumer could not run at all (a crash or a timeout), and the error is
 * known for every other dead letter.
 */
export const MAX_ATTEMPTS = 5;

/** Seconds before the next delivery after attempt `attempts` failed: 5, 10, 20, 40, at most 300. */
export function retryDelaySeconds(attempts: number): number {
	return Math.min(300, 5 * 2 ** (attempts - 1));
}

export interface TaskDeps {
	sender: EmailSender;
	/** The tasks-dlq producer. */
	deadLetters: Queue<DeadLetter>;
	metrics: AnalyticsEngineDataset | undefined;
	/** Each user's Account object, which a deletion closes. */
	accounts: DurableObjectNamespace<Account>;
	/** The order worker, which a deletion asks to erase the user's orders. */
	orders: OrderErasure;
}

/** The span a message's work joins: the request that caused its event. */
const causeOf = (event: TaskEvent) => ({
	requestId: event.requestId,
	traceparent: event.traceparent,
});

/** The e-mail an event calls for, to the address the user's Account object keeps; none without one. */
async function emailFor(
	deps: Pick<TaskDeps, "accounts">,
	event: NotifyingEvent,
): Promise<Email | null> {
	const account = deps.accounts.getByName(String(event.userId));
	const user = disposed(await account.contact(causeOf(event)));
	if (!user?.email) return null;
	const idempotencyKey = event.eventId;
	return event.type === "user.registered"
		? {
				to: user.email,
				subject: `Welcome, ${user.username}`,
				text: "Your account is ready.",
				idempotencyKey,
			}
		: {
				to: user.email,
				subject: `Order ${event.orderId} confirmed`,
				text: `We have your order ${event.orderId}.`,
				idempotencyKey,
			};
}

/**
 * What a notifying event asks for: its notification, recorded once in the
 * user's Account object, and its e-mail, sent unless an earlier delivery
 * sent it. A crash between sending and marking sends it again, so the
 * e-mail carries the event id for the provider to drop the repeat. Nothing
 * for a user who is gone.
 */
async function notify(deps: Pick<TaskDeps, "sender" | "accounts">, event: NotifyingEvent) {
	const account = deps.accounts.getByName(String(event.userId));
	const notification = disposed(await account.notify(causeOf(event), event));
	if (notification === null || notification.emailed_at !== null) return;
	const email = await emailFor(deps, event);
	if (email) await deps.sender.send(email);
	disposed(await account.markEmailed(causeOf(event), notification.id));
}

/**
 * The rest of a deletion, after D1's part: the user's Account object
 * closes (the deletion did that before it answered; this covers a crash
 * in between) and the order worker erases the user's OrderBook. Both
 * steps change nothing when repeated, so a redelivery is harmless, and a
 * failing order worker means a retry, then the dead-letter queue.
 */
async function eraseAccount(deps: Pick<TaskDeps, "accounts" | "orders">, event: UserDeleted) {
	disposed(await deps.accounts.getByName(String(event.userId)).close(causeOf(event)));
	disposed(await deps.orders.eraseOrders(causeOf(event), event.userId));
}

/** What an event asks for; each step is safe to repeat, so a redelivered event does it once. */
export async function performTask(
	deps: Pick<TaskDeps, "sender" | "accounts" | "orders">,
	event: TaskEvent,
) {
	return event.type === "user.deleted" ? eraseAccount(deps, event) : notify(deps, event);
}

interface Settled {
	status: "ok" | "retry" | "dead_letter";
	error?: string;
}

/** Sends the message to tasks-dlq with the reason it died, and acknowledges it. */
async function deadLetter(
	message: Message<unknown>,
	deps: TaskDeps,
	error: string,
): Promise<Settled> {
	try {
		await deps.deadLetters.send(deadLetterOf(message, error));
		message.ack();
		return { status: "dead_letter", error };
	} catch (sendError) {
		// tasks-dlq cannot be reached: the queue itself moves the message
		// there after its last delivery, so retrying loses nothing.
		message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		return { status: "retry", error: `${error}; tasks-dlq: ${safeErrorMessage(sendError)}` };
	}
}

/** Acknowledges, retries or dead-letters one message, on its own. */
async function settle(
	message: Message<unknown>,
	event: TaskEvent | undefined,
	deps: TaskDeps,
): Promise<Settled> {
	// A message that is not an event never will be: no retries.
	if (!event) return deadLetter(message, deps, "not a task event");
	try {
		await performTask(deps, event);
		message.ack();
		return { status: "ok" };
	} catch (error) {
		if (message.attempts >= MAX_ATTEMPTS) return deadLetter(message, deps, safeErrorMessage(error));
		message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
		return { status: "retry", error: safeErrorMessage(error) };
	}
}

/**
 * The tasks queue's consumer. Each message is settled by itself, so one that
 * fails is retried alone and the rest of its batch is not delivered again.
 * One log line per message, as a span of the request that caused it, and
 * one data point.
 */
export async function consumeTasks(batch: MessageBatch<unknown>, deps: TaskDeps): Promise<void> {
	for (const message of batch.messages) {
		const started = Date.now();
		const event = TaskEventSchema.safeParse(message.body).data;
		const { status, error } = await settle(message, event, deps);
		const durationMs = Date.now() - started;
		recordPoint(deps.metrics, {
			service: "user",
			operation: batch.queue,
			kind: "message",
			outcome: status,
			durationMs,
			...(message.attempts > 1 && { flag: "retry" as const }),
		});
		logLine({
			service: "user",
			queue: batch.queue,
			messageId: message.id,
			attempts: message.attempts,
			// The message is a span of the trace of the request that caused its event.
			...(event && { ...eventFields(event), type: event.type }),
			status,
			durationMs,
			...(error && { level: status === "dead_letter" ? "error" : "warn", error }),
		});
	}
}

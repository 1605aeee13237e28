import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { vi } from "vitest";

/** A queue whose every send fails, as when the Queues service is down. */
export function unreachableQueue(): Queue {
	const down = () => Promise.reject(new Error("queue unavailable"));
	return { metrics: down, send: down, sendBatch: down };
}

/**
 * Delivers `bodies` to a queue handler as one batch on queue `queue`, each as
 * its `attempts`-th delivery, and returns what the handler acknowledged or
 * retried, with the delay each retry asked for (which the test runtime's
 * queue result leaves out). Message ids are "m0", "m1", ... unless `ids`
 * names them.
 */
export async function deliver(
	handler: { queue(batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void> },
	env: Env,
	queue: string,
	bodies: unknown[],
	{ attempts = 1, ids }: { attempts?: number; ids?: string[] } = {},
) {
	const batch = createMessageBatch(
		queue,
		bodies.map((body, n) => ({ id: ids?.[n] ?? `m${n}`, timestamp: new Date(), attempts, body })),
	);
	const retries = batch.messages.map((message) => vi.spyOn(message, "retry"));
	const ctx = createExecutionContext();
	await handler.queue(batch, env, ctx);
	const result = await getQueueResult(batch, ctx);
	const delays = retries.flatMap((retry, n) =>
		retry.mock.calls.map(([options]) => ({
			msgId: batch.messages[n]?.id,
			delaySeconds: options?.delaySeconds,
		})),
	);
	return { ...result, retryMessages: delays };
}

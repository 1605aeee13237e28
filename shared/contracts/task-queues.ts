/**
 * The tasks queues. One queue takes at most 5,000 messages a second
 * (https://developers.cloudflare.com/queues/platform/limits/), so events are
 * split over several, by user: user u's events go to queue u mod Q, which
 * keeps one user's events on one queue. The user worker consumes them all
 * alike. Producers bind them as TASKS (the first, `tasks`) and TASKS_1 ...
 * TASKS_<Q-1> (`tasks-1` ...), in both environments.
 */

const BINDING = /^TASKS(?:_(\d+))?$/;

function isQueue(value: unknown): value is Queue {
	return typeof value === "object" && value !== null && "sendBatch" in value;
}

/** A worker's tasks queue bindings in order; refuses a configuration with a gap. */
export function taskQueues(env: object): Queue[] {
	const byIndex = new Map<number, Queue>();
	for (const [name, value] of Object.entries(env)) {
		const match = BINDING.exec(name);
		if (match && isQueue(value)) byIndex.set(Number(match[1] ?? 0), value);
	}
	const queues = Array.from({ length: byIndex.size }, (_, i) => byIndex.get(i));
	if (queues.length === 0 || !queues.every((queue) => queue !== undefined)) {
		throw new Error("tasks queues are bound as TASKS, TASKS_1 ... TASKS_<Q-1>, none missing");
	}
	return queues;
}

/** The queue of user `userId`'s events. */
export function taskQueueOf(queues: Queue[], userId: number): Queue {
	const queue = queues[userId % queues.length];
	if (!queue) throw new Error("no tasks queue");
	return queue;
}

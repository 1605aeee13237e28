import { describe, expect, it } from "vitest";
import { taskQueueOf, taskQueues } from "./task-queues";

/** Enough of a queue binding to be told apart, and recognised as one. */
const queue = (name: string) => ({ name, sendBatch: async () => {} });

describe("taskQueues and taskQueueOf", () => {
	describe("happy", () => {
		it("finds TASKS, TASKS_1 ... in order, and keeps each user on one queue", () => {
			const [first, second] = [queue("tasks"), queue("tasks-1")];
			const queues = taskQueues({ TASKS_1: second, TASKS: first, OTHER: queue("x") });
			expect(queues).toEqual([first, second]);
			expect(taskQueueOf(queues, 4)).toBe(first);
			expect(taskQueueOf(queues, 7)).toBe(second);
			expect(taskQueueOf(queues, 7)).toBe(taskQueueOf(queues, 7));
		});
	});

	describe("errors", () => {
		it("refuses no queue or a gap", () => {
			expect(() => taskQueues({})).toThrow(/TASKS/);
			expect(() => taskQueues({ TASKS: queue("tasks"), TASKS_2: queue("tasks-2") })).toThrow(
				/none missing/,
			);
		});
	});
});

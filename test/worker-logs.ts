import type { Reporter, TestRunEndReason } from "vitest/node";

// One of the workers' JSON log lines (shared/kit/log.ts).
const LOG_LINE = /^\{"time":"[^"]*","service":"/;

/**
 * The internal workers run beside a test runner as workers of their own, so
 * their log lines reach this process as workerd output, not through a test's
 * console where `silent: "passed-only"` hides them. This reporter holds those
 * lines back and prints them only when the run fails.
 */
export class WorkerLogs implements Reporter {
	private held: string[] = [];
	private readonly write = process.stdout.write.bind(process.stdout);

	/** `inspect` sees each line as it arrives (the log leak check). */
	constructor(private readonly inspect: (line: string) => void) {}

	onInit(): void {
		process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
			if (typeof chunk === "string" && LOG_LINE.test(chunk)) {
				this.inspect(chunk);
				this.held.push(chunk);
				return true;
			}
			return this.write(chunk, ...rest);
		}) as typeof process.stdout.write;
	}

	onTestRunEnd(_modules: unknown, _errors: unknown, reason: TestRunEndReason): void {
		process.stdout.write = this.write;
		if (reason === "failed") {
			this.write(`\nLog lines of the internal workers during the run:\n${this.held.join("")}`);
		}
		this.held = [];
	}
}

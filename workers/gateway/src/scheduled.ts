import { disposed } from "#shared/kit/dispose";
import { logLine, safeErrorMessage } from "#shared/kit/log";
import { spanFields, startSpan } from "#shared/kit/trace";

/**
 * The gateway's scheduled handler. It has no cron trigger in production;
 * the user worker's own cron runs its scheduled work there. Under `wrangler
 * dev`, which serves the gateway first, cron events (`curl
 * localhost:8787/cdn-cgi/handler/scheduled`, and what `npm run dev` and
 * `npm run redrive` send) reach the gateway, which has the user worker do
 * that work over RPC: redrives, the outbox relay, pruning. One log line, a
 * trace of its own.
 */
export async function forwardScheduled(controller: ScheduledController, env: Env): Promise<void> {
	const started = Date.now();
	const span = startSpan(undefined);
	const line = {
		service: "gateway",
		requestId: crypto.randomUUID(),
		...spanFields(span),
		cron: controller.cron,
	};
	try {
		const report = disposed(
			await env.USER_SERVICE.runScheduledWork({
				requestId: line.requestId,
				traceparent: span.traceparent,
			}),
		);
		logLine({
			...line,
			status: "ok",
			durationMs: Date.now() - started,
			redrives: report.redrives.length,
			relayed: report.relayed,
			pruned: report.pruned,
		});
	} catch (error) {
		logLine({
			...line,
			level: "error",
			status: "failed",
			durationMs: Date.now() - started,
			error: safeErrorMessage(error),
		});
		throw error;
	}
}

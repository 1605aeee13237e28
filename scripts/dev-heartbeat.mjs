// What `npm run dev` does so that stopping it loses no event: the local
// queue keeps its messages in memory only, so whatever it held when the
// session stopped (Ctrl-C or a crash) is gone, though the outboxes still
// have every event, marked sent (shared/kit/outbox-table.ts). While dev runs it
// writes a heartbeat (the time, every few seconds) under the state folder;
// the next start, once the gateway answers, asks for a redrive of what was
// sent since the last heartbeat less REDRIVE_MARGIN_MS and runs the
// scheduled work, which carries it out. It also runs the scheduled work
// every minute, as the cron trigger does in production (wrangler dev fires
// none by itself). No heartbeat file: a first start, nothing to redrive.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { requestRedrive, triggerScheduled } from "./redrive-request.mjs";

const HEARTBEAT_FILE = "dev-heartbeat";
const HEARTBEAT_MS = 5_000;
/**
 * How far before the last heartbeat a redrive reaches: the heartbeat's own
 * interval, and a message the queue was still retrying (after 5, 10, 20 and
 * 40 s) when the session stopped, with room to spare.
 */
export const REDRIVE_MARGIN_MS = 5 * 60_000;
const CRON_MS = 60_000;
const SERVE_TIMEOUT_MS = 120_000;

/** The last heartbeat of the session before, if there was one. */
function lastHeartbeat(persistTo) {
	const file = path.join(persistTo, HEARTBEAT_FILE);
	if (!existsSync(file)) return null;
	const at = Number(readFileSync(file, "utf8").trim());
	return Number.isFinite(at) && at > 0 ? at : null;
}

async function served(port) {
	const deadline = Date.now() + SERVE_TIMEOUT_MS;
	while (Date.now() < deadline) {
		try {
			await (await fetch(`http://localhost:${port}/health`)).arrayBuffer();
			return true;
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}
	return false;
}

/**
 * Once the gateway on `port` answers: the redrive of what the session
 * before had sent (if one left a heartbeat), the scheduled work now and
 * every minute, and this session's heartbeat. The heartbeat starts only
 * once the redrive is recorded, so a session that dies before that leaves
 * the old heartbeat, and its window, to the next start.
 */
export async function keepEventsAcrossStops({ persistTo, port }) {
	const previous = lastHeartbeat(persistTo);
	if (!(await served(port))) return;
	let recorded = previous === null;
	if (previous !== null) {
		const since = previous - REDRIVE_MARGIN_MS;
		try {
			const row = await requestRedrive(
				{ atMs: since },
				{ where: ["--local", "--persist-to", persistTo] },
			);
			console.log(
				`Redrive #${row.id}: events sent since ${new Date(since).toISOString()}, 5 minutes before the last session's last heartbeat, go again.`,
			);
			recorded = true;
		} catch (error) {
			console.error(`Could not ask for a redrive of the last session's events: ${error.message}`);
		}
	}
	if (recorded) {
		const beat = () => writeFileSync(path.join(persistTo, HEARTBEAT_FILE), `${Date.now()}\n`);
		beat();
		setInterval(beat, HEARTBEAT_MS).unref();
	}
	await triggerScheduled(port);
	setInterval(() => triggerScheduled(port), CRON_MS).unref();
}

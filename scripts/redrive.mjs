// `npm run redrive -- --since 10m`: send again every event sent in the last
// 10 minutes (s, m or h; at most 24h, what the outboxes keep), from the users
// databases' outboxes and every OrderBook's. For when a queue lost messages:
// the consumer records each event once, so what arrived already changes
// nothing. Writes a request the user worker's cron carries out
// (docs/OPERATIONS.md, "Re-sending events").
//
// Locally (the state `npm run dev` uses; PERSIST_TO moves it): if `npm run
// dev` answers on PORT (or --port, default 8787) the work runs at once and
// its outcome is printed; otherwise an `npm run dev` on the same state runs it
// (one on another port within its minute of scheduled work, else the next).
// `--remote`: production (`--env production`); the cron runs it within a
// minute. `--status` lists the last requests and how far each got.
import { recentRedrives, requestRedrive, triggerScheduled } from "./redrive-request.mjs";

const RETENTION_HOURS = 24;
const USAGE =
	"usage: npm run redrive -- --since <duration, e.g. 10m or 2h> [--remote] [--port N]\n       npm run redrive -- --status [--remote]";

const args = process.argv.slice(2);
const option = (name) => {
	const at = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
	if (at === -1) return undefined;
	return args[at].includes("=") ? args[at].split("=")[1] : args[at + 1];
};
const remote = args.includes("--remote");
const port = Number(option("--port") ?? process.env.PORT ?? 8787);
const target = remote
	? { where: ["--remote"], env: "production" }
	: { where: ["--local", "--persist-to", process.env.PERSIST_TO ?? ".wrangler/state"] };

/** @param {Record<string, unknown>} row */
function describe(row) {
	const time = (ms) => (typeof ms === "number" ? new Date(ms).toISOString() : "-");
	const state = row.done_at
		? `done ${time(row.done_at)}`
		: row.user_events === null
			? "waiting for the cron"
			: "in progress";
	return `#${row.id} since ${time(row.since)} until ${time(row.requested_at)}: ${state}; users' events ${row.user_events ?? "-"}, OrderBooks ${row.books ?? 0} with ${row.order_events ?? 0} events`;
}

if (args.includes("--status")) {
	const rows = await recentRedrives(target);
	console.log(rows.length === 0 ? "No redrive requests." : rows.map(describe).join("\n"));
	process.exit(0);
}

const since = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(option("--since") ?? "");
if (!since) {
	console.error(USAGE);
	process.exit(2);
}
const agoMs = Number(since[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[since[2]];
if (agoMs > RETENTION_HOURS * 3_600_000) {
	console.error(
		`--since ${since[0]}: the outboxes keep sent events ${RETENTION_HOURS} hours, so a redrive reaches back no further`,
	);
	process.exit(2);
}

const row = await requestRedrive({ agoMs }, target);
console.log(
	`Redrive #${row.id} requested: events sent since ${new Date(row.since).toISOString()}.`,
);
if (remote) {
	console.log(
		"The user worker's cron carries it out within a minute; `npm run redrive -- --status --remote` shows how far it got.",
	);
} else if (await triggerScheduled(port)) {
	const [done] = (await recentRedrives(target, 20)).filter((r) => r.id === row.id);
	console.log(done ? describe(done) : "Carried out by npm run dev.");
} else {
	console.log(
		`npm run dev does not answer on port ${port}: an \`npm run dev\` on this state carries it out, within a minute if one runs on another port (--port N runs it at once), else when the next one starts.`,
	);
}

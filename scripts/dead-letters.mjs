// `npm run dead-letters`: what the tasks consumer gave up on, from the local
// database `npm run dev` uses (PERSIST_TO moves it, as for npm run dev).
// Newest first; `-- --limit N` shows more than the last 20.
import { spawnWrangler, usersDatabases, workerConfigs } from "./wrangler.mjs";

const PERSIST_TO = process.env.PERSIST_TO ?? ".wrangler/state";
const limitArg = process.argv.indexOf("--limit");
const limit = limitArg === -1 ? 20 : Number(process.argv[limitArg + 1]);
if (!Number.isInteger(limit) || limit < 1) {
	console.error("--limit takes a whole number");
	process.exit(2);
}

const query = `SELECT id, message_id, died_at, attempts, error, body FROM dead_letters ORDER BY id DESC LIMIT ${limit}`;
const wrangler = spawnWrangler(
	[
		"d1",
		"execute",
		// The consumer keeps dead letters in the first shard (workers/user/src/dead-letters.ts).
		usersDatabases()[0] ?? "users-db-0",
		"--local",
		"--persist-to",
		PERSIST_TO,
		"-c",
		workerConfigs.user,
		"--json",
		"--command",
		query,
	],
	{ stdio: ["ignore", "pipe", "inherit"] },
);
let output = "";
wrangler.stdout.on("data", (chunk) => {
	output += chunk;
});
wrangler.on("exit", (code) => {
	if (code !== 0) process.exit(code ?? 1);
	const rows = JSON.parse(output)[0]?.results ?? [];
	if (rows.length === 0) {
		console.log("No dead letters.");
		return;
	}
	for (const row of rows) {
		console.log(
			`#${row.id} died ${new Date(row.died_at).toISOString()} after ${row.attempts} attempt(s)`,
		);
		console.log(`  message ${row.message_id}: ${row.error}`);
		console.log(`  body ${row.body}`);
	}
});

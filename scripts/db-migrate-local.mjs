// `npm run db:migrate:local`: the users migrations applied to every shard's
// local database, in the state `npm run dev` uses (PERSIST_TO moves it).
import { migrateUsersDatabases } from "./wrangler.mjs";

await migrateUsersDatabases([
	"--local",
	"--persist-to",
	process.env.PERSIST_TO ?? ".wrangler/state",
]);

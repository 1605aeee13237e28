// The architecture's floor, user hop: does this user exist? One D1 read of
// the users database that workers/user serves (the same database id); when
// PLATFORM is "on", from any replica (a D1 session), as the design reads it,
// and with the call's log line.
import { WorkerEntrypoint } from "cloudflare:workers";
import { hop, logHop } from "./log.js";

/** @param {D1Database | D1DatabaseSession} db @param {number} id */
async function userExists(db, id) {
	return (await db.prepare("SELECT 1 FROM users WHERE id = ?").bind(id).first()) !== null;
}

export class FloorUserService extends WorkerEntrypoint {
	/**
	 * @param {{ requestId: string, traceparent: string } | null} context
	 * @param {number} id
	 */
	async userExists(context, id) {
		if (!context) return userExists(this.env.DB, id);
		const span = hop(context.requestId, context.traceparent);
		const exists = await userExists(this.env.DB.withSession("first-unconstrained"), id);
		logHop(span, { service: "user", rpc: "userExists", status: "ok" });
		return exists;
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

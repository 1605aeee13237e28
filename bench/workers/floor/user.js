// The architecture's floor, user hop: does this user exist? One D1 read of
// the users database that workers/user serves (the same database id); when
// PLATFORM is "on", from any replica (a D1 session), as the design reads it.
import { WorkerEntrypoint } from "cloudflare:workers";

export class FloorUserService extends WorkerEntrypoint {
	/** @param {number} id */
	async userExists(id) {
		const db =
			this.env.PLATFORM === "on" ? this.env.DB.withSession("first-unconstrained") : this.env.DB;
		return (await db.prepare("SELECT 1 FROM users WHERE id = ?").bind(id).first()) !== null;
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

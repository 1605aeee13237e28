// The architecture's floor, user hop: does this user exist? One D1 read of
// the users database that workers/user serves (the same database id).
import { WorkerEntrypoint } from "cloudflare:workers";

export class FloorUserService extends WorkerEntrypoint {
	/** @param {number} id */
	async userExists(id) {
		return (
			(await this.env.DB.prepare("SELECT 1 FROM users WHERE id = ?").bind(id).first()) !== null
		);
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

// The architecture's floor, order hop: checks the user over RPC (one D1 read
// in floor/user.js), then inserts into the user's SQLite Durable Object, as
// workers/order does, with no ORM, migrator or logging. The table is the
// order worker's, index included, so both pay for the same write.
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

export class FloorOrderBook extends DurableObject {
	/** @param {DurableObjectState} ctx @param {unknown} env */
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS orders (
			seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL,
			user_id INTEGER NOT NULL, items TEXT NOT NULL, status TEXT NOT NULL,
			created_at INTEGER NOT NULL)`);
		ctx.storage.sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS orders_id_unique ON orders (id)");
	}

	/** @param {number} userId @param {unknown[]} items */
	create(userId, items) {
		const id = crypto.randomUUID();
		const createdAt = Date.now();
		this.ctx.storage.sql.exec(
			"INSERT INTO orders (id, user_id, items, status, created_at) VALUES (?, ?, ?, 'created', ?)",
			id,
			userId,
			JSON.stringify(items),
			createdAt,
		);
		return { id, userId, items, status: "created", createdAt: new Date(createdAt).toISOString() };
	}
}

export class FloorOrderService extends WorkerEntrypoint {
	/** @param {number} userId @param {unknown[]} items */
	async createOrder(userId, items) {
		if (!(await this.env.USER_SERVICE.userExists(userId))) return null;
		return await this.env.ORDER_BOOK.getByName(String(userId)).create(userId, items);
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

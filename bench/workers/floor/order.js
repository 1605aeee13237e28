// The architecture's floor, order hop: checks the user over RPC (one D1 read
// in floor/user.js), then inserts into the user's SQLite Durable Object, as
// workers/order does, with no ORM, migrator or logging. The table is the
// order worker's, index included, so both pay for the same write. When
// PLATFORM is "on" it also does what the design requires of that write: the
// order.created event goes into an outbox in the same transaction and an
// alarm sends the outbox to the tasks queue, one alarm for what accumulates;
// the RPC call, the Durable Object call and each event sent log their lines.
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
import { hop, logHop } from "./log.js";

export class FloorOrderBook extends DurableObject {
	sendScheduled = false;

	/** @param {DurableObjectState} ctx @param {{ PLATFORM: string, TASKS: Queue }} env */
	constructor(ctx, env) {
		super(ctx, env);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS orders (
			seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL,
			user_id INTEGER NOT NULL, items TEXT NOT NULL, status TEXT NOT NULL,
			created_at INTEGER NOT NULL)`);
		ctx.storage.sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS orders_id_unique ON orders (id)");
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
			event_id TEXT PRIMARY KEY NOT NULL, event TEXT NOT NULL, created_at INTEGER NOT NULL)`);
		ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS outbox_created_at ON outbox (created_at)");
	}

	/**
	 * @param {{ requestId: string, traceparent: string } | null} context
	 * @param {number} userId
	 * @param {unknown[]} items
	 */
	create(context, userId, items) {
		const span = context && hop(context.requestId, context.traceparent);
		const id = crypto.randomUUID();
		const createdAt = Date.now();
		const sql = this.ctx.storage.sql;
		this.ctx.storage.transactionSync(() => {
			sql.exec(
				"INSERT INTO orders (id, user_id, items, status, created_at) VALUES (?, ?, ?, 'created', ?)",
				id,
				userId,
				JSON.stringify(items),
				createdAt,
			);
			if (!span) return;
			const eventId = crypto.randomUUID();
			const event = { type: "order.created", eventId, userId, orderId: id, ...span.context };
			sql.exec(
				"INSERT INTO outbox (event_id, event, created_at) VALUES (?, ?, ?)",
				eventId,
				JSON.stringify(event),
				createdAt,
			);
		});
		if (span && !this.sendScheduled) {
			this.sendScheduled = true;
			void this.ctx.storage.setAlarm(createdAt);
		}
		if (span) logHop(span, { service: "order", rpc: "FloorOrderBook.create", status: "ok" });
		return { id, userId, items, status: "created", createdAt: new Date(createdAt).toISOString() };
	}

	async alarm() {
		this.sendScheduled = false;
		const events = this.ctx.storage.sql
			.exec("SELECT event FROM outbox ORDER BY created_at LIMIT 100")
			.toArray()
			.map((row) => JSON.parse(String(row.event)));
		if (events.length === 0) return;
		await this.env.TASKS.sendBatch(events.map((body) => ({ body, contentType: "json" })));
		for (const { eventId, requestId, traceparent } of events) {
			this.ctx.storage.sql.exec("DELETE FROM outbox WHERE event_id = ?", eventId);
			logHop(hop(requestId, traceparent), {
				service: "order",
				eventId,
				send: "order.created",
				status: "sent",
			});
		}
	}
}

export class FloorOrderService extends WorkerEntrypoint {
	/**
	 * @param {{ requestId: string, traceparent: string } | null} context
	 * @param {number} userId
	 * @param {unknown[]} items
	 */
	async createOrder(context, userId, items) {
		const span = context && hop(context.requestId, context.traceparent);
		const callee = span?.context ?? null;
		const order = (await this.env.USER_SERVICE.userExists(callee, userId))
			? await this.env.ORDER_BOOK.getByName(String(userId)).create(callee, userId, items)
			: null;
		if (span)
			logHop(span, { service: "order", rpc: "createOrder", status: order ? "ok" : "invalid_user" });
		return order;
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

import { DurableObject } from "cloudflare:workers";
import type { NotificationPage } from "#shared/contracts/notifications";
import type { PageRequest } from "#shared/contracts/pagination";
import { type CallContext, fail, type Result } from "#shared/contracts/rpc";
import type { Session } from "#shared/contracts/sessions";
import { loggedCall, loggedSync } from "#shared/kit/log";
import type { Telemetry } from "#shared/kit/metrics";
import {
	deleteNotifications,
	importNotifications,
	legacyMoved,
	listNotifications,
	markEmailed,
	markLegacyMoved,
	NOTIFICATION_TABLES,
	type NotificationRow,
	type NotifyingEvent,
	recordNotification,
} from "./notifications";
import { DECOY_HASH, verifyPassword } from "./password";
import {
	endAllSessions,
	endSession,
	endSessionOf,
	listSessions,
	type Rotation,
	rotateSession,
	SESSION_TABLES,
	type StartedSession,
	sessionLive,
	startSession,
} from "./sessions";

/**
 * The schema, in the order it grew: each entry runs once, in the
 * transaction that records it. Append, never edit (the per-user object the
 * notifications move into next adds its tables here).
 */
const MIGRATIONS: string[][] = [
	[
		...SESSION_TABLES,
		// One row once the account is deleted: the object then refuses every
		// session, so a login or refresh racing the deletion cannot revive it.
		"CREATE TABLE closed (id INTEGER PRIMARY KEY CHECK (id = 1), closed_at INTEGER NOT NULL)",
	],
	NOTIFICATION_TABLES,
	// Which users database holds the user's row (shards.ts), set at
	// registration and at each login, read wherever only the id is known; and
	// the name and address the user's e-mails go to (set at registration,
	// never changed), so the tasks consumer asks no database per event.
	[
		"CREATE TABLE home (id INTEGER PRIMARY KEY CHECK (id = 1), shard INTEGER NOT NULL, username TEXT, email TEXT)",
	],
];

function migrate(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
	const applied = sql.exec<{ n: number }>("SELECT count(*) AS n FROM schema_migrations").one().n;
	MIGRATIONS.slice(applied).forEach((statements, index) => {
		for (const statement of statements) sql.exec(statement);
		sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", applied + index);
	});
}

/** Whether the object has ever been written to: reading sqlite_master writes nothing. */
function hasSchema(sql: SqlStorage): boolean {
	return (
		sql
			.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
			.toArray().length > 0
	);
}

const SERVICE = "user";

/** Wrong passwords an account takes per minute before it refuses to check more (a 429). */
export const MAX_PASSWORD_FAILURES = 5;
export const PASSWORD_FAILURE_WINDOW_MS = 60_000;

export type PasswordCheck = "ok" | "wrong" | "throttled" | "invalid_session";

/** What an e-mail to the user needs. */
export interface Contact {
	username: string;
	email?: string;
}

/**
 * One user's per-user state in the user worker, one object per user id
 * (`ACCOUNT.getByName(String(userId))`): the user's sessions, checked on
 * every request a token makes, and their notifications, so that the shared
 * D1 primary takes no write per refresh or per event. Every method is synchronous, so each is one
 * transaction and concurrent calls for one user never interleave: of 50
 * refreshes with one token, one rotates it and the rest see it rotated.
 */
export class Account extends DurableObject<Env> {
	private readonly sql: SqlStorage;
	/**
	 * Whether the tables exist. A refresh or logout names its object by the
	 * user id in a token anyone can make up, so an object is created (its
	 * tables written) only when a session starts or the account closes;
	 * until then every read answers "no session" and nothing is stored.
	 */
	private ready = false;
	/**
	 * When the last wrong passwords were given. In memory: an object idle
	 * long enough to be evicted has outlived the window anyway.
	 */
	private failures: number[] = [];

	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			this.ready = hasSchema(this.sql);
			if (this.ready) this.prepare();
		});
	}

	/** Creates or upgrades the tables, before the first write. */
	private prepare(): void {
		this.ctx.storage.transactionSync(() => migrate(this.sql));
		this.ready = true;
	}

	private get closed(): boolean {
		return this.ready && this.sql.exec("SELECT 1 FROM closed").toArray().length > 0;
	}

	/**
	 * Checks the password of a signed-in user about to change the password or
	 * delete the account, against the hash the caller read from D1. One check
	 * at a time per account, counting wrong ones: concurrent guesses cannot
	 * slip past the count together, while any number of concurrent requests
	 * with the right password all get checked (no 429 for them). The user's
	 * other calls wait out one PBKDF2 at most.
	 */
	async checkPassword(
		call: CallContext,
		sessionId: string,
		storedHash: string | null,
		password: string,
	): Promise<PasswordCheck> {
		return loggedCall(this.telemetry, "Account.checkPassword", call, () =>
			this.ctx.blockConcurrencyWhile(async (): Promise<PasswordCheck> => {
				const now = Date.now();
				if (!this.ready || !sessionLive(this.sql, sessionId, now)) return "invalid_session";
				this.failures = this.failures.filter((at) => at > now - PASSWORD_FAILURE_WINDOW_MS);
				if (this.failures.length >= MAX_PASSWORD_FAILURES) return "throttled";
				const valid = await verifyPassword(password, storedHash ?? DECOY_HASH);
				if (valid && storedHash !== null) return "ok";
				this.failures.push(now);
				return "wrong";
			}),
		);
	}

	/**
	 * Records which users database holds the user, and where their e-mail
	 * goes (a registration, before its row is written).
	 */
	register(call: CallContext, shard: number, contact: Contact): void {
		loggedSync(this.telemetry, "Account.register", call, () => {
			if (this.closed) return;
			if (!this.ready) this.prepare();
			this.sql.exec(
				`INSERT INTO home (id, shard, username, email) VALUES (1, ?, ?, ?)
					ON CONFLICT (id) DO UPDATE SET shard = excluded.shard, username = excluded.username, email = excluded.email`,
				shard,
				contact.username,
				contact.email ?? null,
			);
		});
	}

	/** The name and address the user's e-mails go to; null once the account is deleted. */
	contact(call: CallContext): Contact | null {
		return loggedSync(this.telemetry, "Account.contact", call, () => {
			if (!this.ready || this.closed) return null;
			const [row] = this.sql
				.exec<{ username: string | null; email: string | null }>("SELECT username, email FROM home")
				.toArray();
			if (!row?.username) return null;
			return { username: row.username, ...(row.email === null ? {} : { email: row.email }) };
		});
	}

	/** The user's users database; null for an id nobody registered, or a deleted account. */
	shard(call: CallContext): number | null {
		return loggedSync(this.telemetry, "Account.shard", call, () => this.home());
	}

	/** The user's users database, if `sessionId` is live: what /users/me asks first. */
	liveShard(call: CallContext, sessionId: string): number | null {
		return loggedSync(this.telemetry, "Account.liveShard", call, () =>
			this.ready && sessionLive(this.sql, sessionId, Date.now()) ? this.home() : null,
		);
	}

	/**
	 * A new session for a login, which also records the user's shard (as
	 * the login found the user there); null once the account is deleted.
	 */
	start(call: CallContext, refreshHash: string, shard: number): StartedSession | null {
		return loggedSync(this.telemetry, "Account.start", call, () => {
			if (this.closed) return null;
			if (!this.ready) this.prepare();
			this.setHome(shard);
			return startSession(this.sql, refreshHash, Date.now());
		});
	}

	private home(): number | null {
		if (!this.ready || this.closed) return null;
		return this.sql.exec<{ shard: number }>("SELECT shard FROM home").toArray()[0]?.shard ?? null;
	}

	private setHome(shard: number): void {
		this.sql.exec(
			"INSERT INTO home (id, shard) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET shard = excluded.shard",
			shard,
		);
	}

	rotate(call: CallContext, presentedHash: string, nextHash: string): Rotation {
		return loggedSync(this.telemetry, "Account.rotate", call, () =>
			this.ready
				? rotateSession(this.sql, presentedHash, nextHash, Date.now())
				: { ok: false, reused: false },
		);
	}

	isLive(call: CallContext, sessionId: string): boolean {
		return loggedSync(
			this.telemetry,
			"Account.isLive",
			call,
			() => this.ready && sessionLive(this.sql, sessionId, Date.now()),
		);
	}

	/** The live sessions, if `sessionId` is one of them. */
	list(call: CallContext, sessionId: string): Session[] | null {
		return loggedSync(this.telemetry, "Account.list", call, () => {
			const now = Date.now();
			if (!this.ready || !sessionLive(this.sql, sessionId, now)) return null;
			return listSessions(this.sql, sessionId, now);
		});
	}

	/** Ends `target` for the holder of live session `sessionId`. */
	end(
		call: CallContext,
		sessionId: string,
		target: string,
	): "ended" | "not_found" | "invalid_session" {
		return loggedSync(this.telemetry, "Account.end", call, () => {
			if (!this.ready || !sessionLive(this.sql, sessionId, Date.now())) return "invalid_session";
			return endSession(this.sql, target) ? "ended" : "not_found";
		});
	}

	/** Ends every session, the caller's too; false if `sessionId` was not live. */
	endAll(call: CallContext, sessionId: string): boolean {
		return loggedSync(this.telemetry, "Account.endAll", call, () => {
			if (!this.ready || !sessionLive(this.sql, sessionId, Date.now())) return false;
			endAllSessions(this.sql);
			return true;
		});
	}

	/** Logout: ends the session this refresh token (current or rotated) belongs to, if any. */
	endOf(call: CallContext, refreshHash: string): void {
		loggedSync(this.telemetry, "Account.endOf", call, () => {
			if (this.ready) endSessionOf(this.sql, refreshHash);
		});
	}

	/** After a password change: every session ends and one new one starts. */
	restart(call: CallContext, refreshHash: string): StartedSession | null {
		return loggedSync(this.telemetry, "Account.restart", call, () => {
			if (this.closed) return null;
			if (!this.ready) this.prepare();
			endAllSessions(this.sql);
			return startSession(this.sql, refreshHash, Date.now());
		});
	}

	/**
	 * Records the notification an event calls for, once per event id; null
	 * once the account is deleted (a late event notifies nobody).
	 */
	notify(call: CallContext, event: NotifyingEvent): NotificationRow | null {
		return loggedSync(this.telemetry, "Account.notify", call, () => {
			if (this.closed) return null;
			if (!this.ready) this.prepare();
			return recordNotification(this.sql, event, Date.now());
		});
	}

	markEmailed(call: CallContext, notificationId: string): void {
		loggedSync(this.telemetry, "Account.markEmailed", call, () => {
			if (this.ready) markEmailed(this.sql, notificationId, Date.now());
		});
	}

	/**
	 * A page of notifications for the holder of live session `sessionId`, or
	 * `move_legacy` while this user's notifications recorded in D1 have not
	 * been moved here yet (the caller moves them with moveLegacy, then asks again).
	 */
	notifications(
		call: CallContext,
		sessionId: string,
		page: PageRequest,
	): Result<NotificationPage, "invalid_session" | "invalid_cursor" | "move_legacy"> {
		return loggedSync(this.telemetry, "Account.notifications", call, () => {
			if (!this.ready || !sessionLive(this.sql, sessionId, Date.now())) {
				return fail("invalid_session");
			}
			if (!legacyMoved(this.sql)) return fail("move_legacy");
			return listNotifications(this.sql, page);
		});
	}

	/** Takes a batch of the user's notifications from D1; `last` marks the move done. */
	moveLegacy(call: CallContext, rows: NotificationRow[], last: boolean): void {
		loggedSync(this.telemetry, "Account.moveLegacy", call, () => {
			if (this.closed) return;
			if (!this.ready) this.prepare();
			importNotifications(this.sql, rows);
			if (last) markLegacyMoved(this.sql, Date.now());
		});
	}

	/**
	 * The account is deleted: every session ends, and none starts again.
	 * Idempotent, so the deletion cascade may repeat it.
	 */
	close(call: CallContext): void {
		loggedSync(this.telemetry, "Account.close", call, () => {
			if (!this.ready) this.prepare();
			endAllSessions(this.sql);
			deleteNotifications(this.sql);
			this.sql.exec("DELETE FROM home");
			this.sql.exec("INSERT OR IGNORE INTO closed (id, closed_at) VALUES (1, ?)", Date.now());
		});
	}
}

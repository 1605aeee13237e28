import { DurableObject } from "cloudflare:workers";
import { loggedSync } from "../../../shared/log";
import type { Telemetry } from "../../../shared/metrics";
import type { CallContext } from "../../../shared/rpc";
import type { Session } from "../../../shared/sessions";
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
];

function migrate(sql: SqlStorage): void {
	sql.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)");
	const applied = sql.exec<{ n: number }>("SELECT count(*) AS n FROM schema_migrations").one().n;
	MIGRATIONS.slice(applied).forEach((statements, index) => {
		for (const statement of statements) sql.exec(statement);
		sql.exec("INSERT INTO schema_migrations (version) VALUES (?)", applied + index);
	});
}

const SERVICE = "user";

/**
 * One user's per-user state in the user worker, one object per user id
 * (`ACCOUNT.getByName(String(userId))`): the user's sessions, checked on
 * every request a token makes, so that the shared D1 primary takes no
 * write per refresh. Every method is synchronous, so each is one
 * transaction and concurrent calls for one user never interleave: of 50
 * refreshes with one token, one rotates it and the rest see it rotated.
 */
export class Account extends DurableObject<Env> {
	private readonly sql: SqlStorage;

	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => ctx.storage.transactionSync(() => migrate(this.sql)));
	}

	private get closed(): boolean {
		return this.sql.exec("SELECT 1 FROM closed").toArray().length > 0;
	}

	/** A new session for a login; null once the account is deleted. */
	start(call: CallContext, refreshHash: string): StartedSession | null {
		return loggedSync(this.telemetry, "Account.start", call, () =>
			this.closed ? null : startSession(this.sql, refreshHash, Date.now()),
		);
	}

	rotate(call: CallContext, presentedHash: string, nextHash: string): Rotation {
		return loggedSync(this.telemetry, "Account.rotate", call, () =>
			rotateSession(this.sql, presentedHash, nextHash, Date.now()),
		);
	}

	isLive(call: CallContext, sessionId: string): boolean {
		return loggedSync(this.telemetry, "Account.isLive", call, () =>
			sessionLive(this.sql, sessionId, Date.now()),
		);
	}

	/** The live sessions, if `sessionId` is one of them. */
	list(call: CallContext, sessionId: string): Session[] | null {
		return loggedSync(this.telemetry, "Account.list", call, () => {
			const now = Date.now();
			return sessionLive(this.sql, sessionId, now) ? listSessions(this.sql, sessionId, now) : null;
		});
	}

	/** Ends `target` for the holder of live session `sessionId`. */
	end(
		call: CallContext,
		sessionId: string,
		target: string,
	): "ended" | "not_found" | "invalid_session" {
		return loggedSync(this.telemetry, "Account.end", call, () => {
			if (!sessionLive(this.sql, sessionId, Date.now())) return "invalid_session";
			return endSession(this.sql, target) ? "ended" : "not_found";
		});
	}

	/** Ends every session, the caller's too; false if `sessionId` was not live. */
	endAll(call: CallContext, sessionId: string): boolean {
		return loggedSync(this.telemetry, "Account.endAll", call, () => {
			if (!sessionLive(this.sql, sessionId, Date.now())) return false;
			endAllSessions(this.sql);
			return true;
		});
	}

	/** Logout: ends the session this refresh token (current or rotated) belongs to, if any. */
	endOf(call: CallContext, refreshHash: string): void {
		loggedSync(this.telemetry, "Account.endOf", call, () => endSessionOf(this.sql, refreshHash));
	}

	/** After a password change: every session ends and one new one starts. */
	restart(call: CallContext, refreshHash: string): StartedSession | null {
		return loggedSync(this.telemetry, "Account.restart", call, () => {
			if (this.closed) return null;
			endAllSessions(this.sql);
			return startSession(this.sql, refreshHash, Date.now());
		});
	}

	/**
	 * The account is deleted: every session ends, and none starts again.
	 * Idempotent, so the deletion cascade may repeat it.
	 */
	close(call: CallContext): void {
		loggedSync(this.telemetry, "Account.close", call, () => {
			endAllSessions(this.sql);
			this.sql.exec("INSERT OR IGNORE INTO closed (id, closed_at) VALUES (1, ?)", Date.now());
		});
	}
}

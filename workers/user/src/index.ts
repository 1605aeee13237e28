import { WorkerEntrypoint } from "cloudflare:workers";
import type { UserDeleted, UserRegistered } from "#shared/contracts/events";
import type { NotificationPage } from "#shared/contracts/notifications";
import type { PageRequest } from "#shared/contracts/pagination";
import { type CallContext, fail, ok, type Principal, type Result } from "#shared/contracts/rpc";
import type { IssuedSession, Session } from "#shared/contracts/sessions";
import { taskQueues } from "#shared/contracts/task-queues";
import type { NewUser, User } from "#shared/contracts/users";
import { disposed } from "#shared/kit/dispose";
import { eventFields, loggedCall, logLine, safeErrorMessage } from "#shared/kit/log";
import type { Telemetry } from "#shared/kit/metrics";
import { startSpan } from "#shared/kit/trace";
import type { Account, PasswordCheck } from "./account";
import { DEAD_LETTER_QUEUE, deadLetterShard, storeDeadLetters } from "./dead-letters";
import { logEmailSender } from "./email";
import { deleteLegacy, legacyBatch, MOVE_BATCH } from "./legacy-notifications";
import { orderService } from "./order-service";
import { sendEvents } from "./outbox";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password";
import { hashRefreshToken, newRefreshToken, refreshTokenUser } from "./refresh-tokens";
import { runScheduled, type ScheduledReport, scheduledDeps } from "./scheduled";
import type { StartedSession } from "./sessions";
import { shardOf, userShards } from "./shards";
import { consumeTasks } from "./tasks";
import {
	deleteUser,
	findCredentials,
	findPasswordHash,
	findUserById,
	insertUser,
	nameTaken,
	replacePasswordHash,
	type UsersDb,
	userExists,
	usersDb,
} from "./users";

export { Account } from "./account";
export { UserIds } from "./user-ids";

const SERVICE = "user";

/**
 * Bookmarks name their shard (`<shard>:<D1 bookmark>`): a D1 bookmark means
 * something to its own database only.
 */
const shardBookmark = (shard: number, bookmark: string | null) =>
	bookmark === null ? null : `${shard}:${bookmark}`;

/** The D1 bookmark in a client's bookmark, if it is `shard`'s. */
function bookmarkOf(bookmark: string | undefined, shard: number): string | null {
	const prefix = `${shard}:`;
	return bookmark?.startsWith(prefix) ? bookmark.slice(prefix.length) : null;
}

/** Why a password change or deletion was refused. */
type PasswordCheckFailure = "invalid_session" | "invalid_credentials" | "too_many_attempts";

const CHECK_FAILURE = {
	wrong: "invalid_credentials",
	throttled: "too_many_attempts",
	invalid_session: "invalid_session",
} as const satisfies Record<Exclude<PasswordCheck, "ok">, PasswordCheckFailure>;

/** The refresh token a client gets back for a session that started or rotated. */
const issued = (session: StartedSession, refreshToken: string): IssuedSession => ({
	sessionId: session.id,
	refreshToken,
	refreshExpiresAt: session.expiresAt,
});

/**
 * The user service's RPC interface, bound by the gateway and the order worker.
 * Callers are trusted workers: input arrives validated by the gateway. Every
 * method takes the caller's CallContext first.
 */
export class UserService extends WorkerEntrypoint<Env> {
	private get telemetry(): Telemetry {
		return { service: SERVICE, metrics: this.env.METRICS };
	}

	/**
	 * Registers a user in the shard of their name, under the next user id,
	 * and returns the D1 bookmark of that write for the client to send back
	 * (its later reads then see the new user on any replica). The id's
	 * Account object learns the shard before the row is written, so every
	 * user row has its shard on record; an id whose insert then loses to
	 * another registration of the name is simply never used. Its
	 * user.registered event is sent once the response has left.
	 */
	async createUser(
		call: CallContext,
		input: NewUser,
	): Promise<Result<{ user: User; bookmark: string | null }, "username_taken">> {
		return loggedCall(this.telemetry, "createUser", call, async (span) => {
			const shard = shardOf(input.username, this.shards.length);
			const session = this.shardDb(shard).withSession("first-primary");
			// A name already taken spends no id.
			if (await nameTaken(session, input.username)) return fail("username_taken");
			const passwordHash = await hashPassword(input.password);
			const id = disposed(await this.env.USER_IDS.getByName("users").next());
			const contact = {
				username: input.username,
				...(input.email === undefined ? {} : { email: input.email }),
			};
			disposed(await this.account(id).register(span, shard, contact));
			const created = await insertUser(
				usersDb(session),
				{
					id,
					username: input.username,
					...(input.email === undefined ? {} : { email: input.email }),
					passwordHash,
					createdAt: new Date(),
				},
				span,
			);
			if (!created.ok) return created;
			this.ctx.waitUntil(this.publish(created.value.event, shard));
			return ok({
				user: created.value.user,
				bookmark: shardBookmark(shard, session.getBookmark()),
			});
		});
	}

	/**
	 * Starts a session for the user with this username and password. Unknown
	 * user and wrong password take the same work and give the same answer.
	 */
	async logIn(
		call: CallContext,
		username: string,
		password: string,
	): Promise<Result<{ user: User; session: IssuedSession }, "invalid_credentials">> {
		return loggedCall(this.telemetry, "logIn", call, async (span) => {
			const shard = shardOf(username, this.shards.length);
			// Never stale: a login right after registration must find the user.
			const latest = usersDb(this.session(shard, call, "first-primary"));
			const found = await findCredentials(latest, username);
			const valid = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
			if (!found || !valid) return fail("invalid_credentials");
			const refresh = await newRefreshToken(found.user.id);
			const account = this.account(found.user.id);
			// Null when a deletion closed the account since the read above.
			const started = disposed(await account.start(span, refresh.hash, shard));
			return started
				? ok({ user: found.user, session: issued(started, refresh.token) })
				: fail("invalid_credentials");
		});
	}

	/**
	 * Swaps a refresh token for the next one (rotation). No password hash and
	 * no D1: one call to the user's Account object.
	 */
	async refresh(
		call: CallContext,
		refreshToken: string,
	): Promise<
		Result<
			{ userId: number; session: IssuedSession },
			"invalid_refresh_token" | "refresh_token_reused"
		>
	> {
		return loggedCall(this.telemetry, "refresh", call, async (span) => {
			const userId = refreshTokenUser(refreshToken);
			if (userId === null) return fail("invalid_refresh_token");
			const [presented, next] = await Promise.all([
				hashRefreshToken(refreshToken),
				newRefreshToken(userId),
			]);
			const rotation = disposed(await this.account(userId).rotate(span, presented, next.hash));
			if (!rotation.ok)
				return fail(rotation.reused ? "refresh_token_reused" : "invalid_refresh_token");
			return ok({ userId, session: issued(rotation.session, next.token) });
		});
	}

	/** Ends the session a refresh token belongs to; a token of no live session changes nothing. */
	async logOut(call: CallContext, refreshToken: string): Promise<void> {
		return loggedCall(this.telemetry, "logOut", call, async (span) => {
			const userId = refreshTokenUser(refreshToken);
			if (userId === null) return;
			disposed(await this.account(userId).endOf(span, await hashRefreshToken(refreshToken)));
		});
	}

	async listSessions(
		call: CallContext,
		principal: Principal,
	): Promise<Result<Session[], "invalid_session">> {
		return this.asSession(call, principal, "listSessions", async (account, sessionId, span) => {
			const sessions = disposed(await account.list(span, sessionId));
			return sessions ? ok(sessions) : fail("invalid_session");
		});
	}

	async endSession(
		call: CallContext,
		principal: Principal,
		target: string,
	): Promise<Result<null, "invalid_session" | "not_found">> {
		return this.asSession(call, principal, "endSession", async (account, sessionId, span) => {
			const ended = disposed(await account.end(span, sessionId, target));
			return ended === "ended" ? ok(null) : fail(ended);
		});
	}

	/** Ends every session of the principal's user: every access token they hold stops working. */
	async endAllSessions(
		call: CallContext,
		principal: Principal,
	): Promise<Result<null, "invalid_session">> {
		return this.asSession(call, principal, "endAllSessions", async (account, sessionId, span) =>
			disposed(await account.endAll(span, sessionId)) ? ok(null) : fail("invalid_session"),
		);
	}

	/**
	 * Changes the password once the current one is given; every session ends
	 * and a new one starts for the caller. The sessions end before the new
	 * hash is written, so a failure in between leaves the old password and
	 * no session (log in again), never a new password beside old sessions.
	 */
	async changePassword(
		call: CallContext,
		principal: Principal,
		currentPassword: string,
		newPassword: string,
	): Promise<Result<{ session: IssuedSession }, PasswordCheckFailure>> {
		return loggedCall(this.telemetry, "changePassword", call, async (span) => {
			const checked = await this.checkPassword(span, principal, currentPassword);
			if (!checked.ok) return checked;
			const { db, hash } = checked.value;
			const [next, refresh] = await Promise.all([
				hashPassword(newPassword),
				newRefreshToken(principal.userId),
			]);
			const account = this.account(principal.userId);
			const started = disposed(await account.restart(span, refresh.hash));
			if (!started) return fail("invalid_session");
			// Another change won the race: this one's current password is no longer current.
			if (!(await replacePasswordHash(db, principal.userId, hash, next))) {
				disposed(await account.end(span, started.id, started.id));
				return fail("invalid_credentials");
			}
			return ok({ session: issued(started, refresh.token) });
		});
	}

	/**
	 * Deletes the account once its password is given. D1's part (the user,
	 * their notifications, and the user.deleted event) is one transaction;
	 * the Account object closes before the answer, so no token or refresh of
	 * the account works from then on; the event erases the rest (tasks.ts).
	 */
	async deleteAccount(
		call: CallContext,
		principal: Principal,
		password: string,
	): Promise<Result<null, PasswordCheckFailure>> {
		return loggedCall(this.telemetry, "deleteAccount", call, async (span) => {
			const checked = await this.checkPassword(span, principal, password);
			if (!checked.ok) return checked;
			const event = await deleteUser(checked.value.db, principal.userId, span);
			// A concurrent deletion deleted it first.
			if (!event) return fail("invalid_session");
			disposed(await this.account(principal.userId).close(span));
			this.ctx.waitUntil(this.publish(event, checked.value.shard));
			return ok(null);
		});
	}

	/**
	 * The principal's user, or null if it may not act as them: its session
	 * must be live (API v1 only), which its Account object answers with the
	 * user's shard, read next.
	 */
	async getUser(call: CallContext, principal: Principal): Promise<User | null> {
		return loggedCall(this.telemetry, "getUser", call, async (span) => {
			if (principal.sessionId === null) return null;
			const account = this.account(principal.userId);
			const shard = disposed(await account.liveShard(span, principal.sessionId));
			if (shard === null) return null;
			return this.readOrPrimary(call, shard, (session) =>
				findUserById(usersDb(session), principal.userId),
			);
		});
	}

	/**
	 * Whether the principal may act as its user: what the order worker asks
	 * before it touches orders. A token's principal: its session is live (so
	 * the account is not deleted). A tutorial principal: the user exists.
	 */
	async isValidUser(call: CallContext, principal: Principal): Promise<boolean> {
		return loggedCall(this.telemetry, "isValidUser", call, (span) =>
			this.principalValid(span, principal),
		);
	}

	async listNotifications(
		call: CallContext,
		principal: Principal,
		page: PageRequest,
	): Promise<Result<NotificationPage, "invalid_cursor" | "invalid_user">> {
		return loggedCall(this.telemetry, "listNotifications", call, async (span) => {
			if (principal.sessionId === null) return fail("invalid_user");
			const account = this.account(principal.userId);
			let listed = disposed(await account.notifications(span, principal.sessionId, page));
			if (!listed.ok && listed.error === "move_legacy") {
				await this.moveLegacyNotifications(span, principal.userId);
				listed = disposed(await account.notifications(span, principal.sessionId, page));
			}
			if (listed.ok) return listed;
			return fail(listed.error === "invalid_cursor" ? "invalid_cursor" : "invalid_user");
		});
	}

	/** Health check: every users database answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(this.telemetry, "ping", call, async () => {
			await Promise.all(this.shards.map((shard) => shard.prepare("SELECT 1").first()));
			return true as const;
		});
	}

	/**
	 * The cron trigger's work (scheduled.ts), now: redrives, the outbox relay
	 * and pruning. The gateway's scheduled handler asks for it, as `wrangler
	 * dev` gives cron events to the first config only (the gateway).
	 */
	async runScheduledWork(call: CallContext): Promise<ScheduledReport> {
		return loggedCall(this.telemetry, "runScheduledWork", call, (span) =>
			runScheduled(scheduledDeps(this.env), span, new Date()),
		);
	}

	/**
	 * Runs one logged RPC method on the principal's Account object for the
	 * holder of a token's session; the tutorial's id-only principals have none.
	 */
	private asSession<T, E extends string>(
		call: CallContext,
		principal: Principal,
		method: string,
		run: (
			account: DurableObjectStub<Account>,
			sessionId: string,
			span: CallContext,
		) => Promise<Result<T, E>>,
	): Promise<Result<T, E | "invalid_session">> {
		return loggedCall(this.telemetry, method, call, (span) =>
			principal.sessionId === null
				? fail("invalid_session")
				: run(this.account(principal.userId), principal.sessionId, span),
		);
	}

	private account(userId: number): DurableObjectStub<Account> {
		return this.env.ACCOUNT.getByName(String(userId));
	}

	private get shards(): D1Database[] {
		return userShards(this.env);
	}

	private shardDb(shard: number): D1Database {
		const db = this.shards[shard];
		if (!db) throw new Error(`no users database for shard ${shard}`);
		return db;
	}

	/** A session on a shard: from the client's bookmark when it is that shard's, else `otherwise`. */
	private session(
		shard: number,
		call: CallContext,
		otherwise: "first-primary" | "first-unconstrained",
	): D1DatabaseSession {
		return this.shardDb(shard).withSession(bookmarkOf(call.bookmark, shard) ?? otherwise);
	}

	/**
	 * Moves the user's notifications recorded in D1 before they lived in the
	 * Account object, oldest first, in batches; once per user. A row moved
	 * twice (a crash before its D1 delete) is kept once.
	 */
	private async moveLegacyNotifications(span: CallContext, userId: number): Promise<void> {
		const account = this.account(userId);
		const shard = disposed(await account.shard(span));
		if (shard === null) return;
		const db = usersDb(this.shardDb(shard).withSession("first-primary"));
		for (let after = 0; ; ) {
			const rows = await legacyBatch(db, userId, after);
			const last = rows.length < MOVE_BATCH;
			disposed(await account.moveLegacy(span, rows, last));
			const newest = rows.at(-1);
			if (newest) await deleteLegacy(db, userId, newest.seq);
			if (last || !newest) return;
			after = newest.seq;
		}
	}

	private async principalValid(span: CallContext, principal: Principal): Promise<boolean> {
		const account = this.account(principal.userId);
		if (principal.sessionId !== null) {
			return disposed(await account.isLive(span, principal.sessionId));
		}
		const shard = disposed(await account.shard(span));
		if (shard === null) return false;
		return this.readOrPrimary(span, shard, (session) => userExists(session, principal.userId));
	}

	/**
	 * For a change that asks for the password again: the session is live and
	 * the password right, as the user's Account object checks it (one check
	 * at a time, wrong ones counted). Gives the primary's view of the user,
	 * which the change then writes to, and the hash it checked.
	 */
	private async checkPassword(
		span: CallContext,
		principal: Principal,
		password: string,
	): Promise<Result<{ db: UsersDb; shard: number; hash: string }, PasswordCheckFailure>> {
		if (principal.sessionId === null) return fail("invalid_session");
		const account = this.account(principal.userId);
		const shard = disposed(await account.shard(span));
		if (shard === null) return fail("invalid_session");
		const db = usersDb(this.shardDb(shard).withSession("first-primary"));
		const hash = await findPasswordHash(db, principal.userId);
		const checked = disposed(
			await account.checkPassword(span, principal.sessionId, hash, password),
		);
		if (checked !== "ok") return fail(CHECK_FAILURE[checked]);
		// "ok" means a stored hash matched.
		return hash === null ? fail("invalid_credentials") : ok({ db, shard, hash });
	}

	/**
	 * A read of the principal's user from any replica, where a miss is null
	 * or false. A replica may not have
	 * a user registered a moment ago, so a miss without a bookmark is asked of
	 * the primary before it counts: replicas speed up the common case and never
	 * turn a real user away.
	 */
	private async readOrPrimary<T>(
		call: CallContext,
		shard: number,
		read: (session: D1DatabaseSession) => Promise<T>,
	): Promise<T> {
		const found = await read(this.session(shard, call, "first-unconstrained"));
		if (found || bookmarkOf(call.bookmark, shard)) return found;
		return read(this.shardDb(shard).withSession("first-primary"));
	}

	/** The event is in the outbox already; if this send fails, the cron trigger sends it. */
	private async publish(event: UserRegistered | UserDeleted, shard: number): Promise<void> {
		const line = { service: SERVICE, ...eventFields(event), send: event.type };
		try {
			await sendEvents(usersDb(this.shardDb(shard)), taskQueues(this.env), [event]);
			logLine({ ...line, status: "sent" });
		} catch (error) {
			logLine({ ...line, level: "warn", status: "send_failed", error: safeErrorMessage(error) });
		}
	}
}

export default {
	// No public URL: anything reaching this worker over HTTP is a mistake.
	fetch: () => new Response(null, { status: 404 }),

	async queue(batch, env) {
		const shards = userShards(env);
		if (batch.queue === DEAD_LETTER_QUEUE) {
			return storeDeadLetters(batch, usersDb(deadLetterShard(shards)), env.METRICS);
		}
		return consumeTasks(batch, {
			sender: logEmailSender,
			deadLetters: env.DEAD_LETTERS,
			metrics: env.METRICS,
			accounts: env.ACCOUNT,
			orders: orderService(env),
		});
	},

	async scheduled(controller, env) {
		// Each run starts a trace of its own.
		const call = { requestId: crypto.randomUUID(), traceparent: startSpan(undefined).traceparent };
		await loggedCall({ service: SERVICE, metrics: env.METRICS }, "scheduled", call, (span) =>
			runScheduled(scheduledDeps(env), span, new Date(controller.scheduledTime)),
		);
	},
} satisfies ExportedHandler<Env>;

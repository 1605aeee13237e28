import { WorkerEntrypoint } from "cloudflare:workers";
import type { UserDeleted, UserRegistered } from "../../../shared/events";
import { eventFields, loggedCall, logLine, safeErrorMessage } from "../../../shared/log";
import type { Telemetry } from "../../../shared/metrics";
import type { NotificationPage } from "../../../shared/notifications";
import type { OrderErasure } from "../../../shared/orders";
import type { PageRequest } from "../../../shared/pagination";
import {
	type CallContext,
	fail,
	ok,
	type Principal,
	type Result,
	released,
} from "../../../shared/rpc";
import type { IssuedSession, Session } from "../../../shared/sessions";
import type { NewUser, User } from "../../../shared/users";
import type { Account, PasswordCheck } from "./account";
import { DEAD_LETTER_QUEUE, storeDeadLetters } from "./dead-letters";
import { logEmailSender } from "./email";
import { deleteLegacy, legacyBatch, MOVE_BATCH } from "./legacy-notifications";
import { relayOutbox, sendEvents } from "./outbox";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password";
import { hashRefreshToken, newRefreshToken, refreshTokenUser } from "./refresh-tokens";
import type { StartedSession } from "./sessions";
import { consumeTasks } from "./tasks";
import {
	deleteUser,
	findCredentials,
	findPasswordHash,
	findUserById,
	insertUser,
	replacePasswordHash,
	type UsersDb,
	userExists,
	usersDb,
} from "./users";

export { Account } from "./account";

const SERVICE = "user";

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
	 * Registers a user, and returns the D1 bookmark of that write for the
	 * client to send back (its later reads then see the new user on any
	 * replica). Its user.registered event is sent once the response has left.
	 */
	async createUser(
		call: CallContext,
		input: NewUser,
	): Promise<Result<{ user: User; bookmark: string | null }, "username_taken">> {
		return loggedCall(this.telemetry, "createUser", call, async (span) => {
			const session = this.env.DB.withSession("first-primary");
			const created = await insertUser(
				usersDb(session),
				{
					username: input.username,
					...(input.email === undefined ? {} : { email: input.email }),
					passwordHash: await hashPassword(input.password),
					createdAt: new Date(),
				},
				span,
			);
			if (!created.ok) return created;
			this.ctx.waitUntil(this.publish(created.value.event));
			return ok({ user: created.value.user, bookmark: session.getBookmark() });
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
			// Never stale: a login right after registration must find the user.
			const latest = usersDb(this.env.DB.withSession(call.bookmark ?? "first-primary"));
			const found = await findCredentials(latest, username);
			const valid = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
			if (!found || !valid) return fail("invalid_credentials");
			const refresh = await newRefreshToken(found.user.id);
			// Null when a deletion closed the account since the read above.
			const started = released(await this.account(found.user.id).start(span, refresh.hash));
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
			const rotation = released(await this.account(userId).rotate(span, presented, next.hash));
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
			released(await this.account(userId).endOf(span, await hashRefreshToken(refreshToken)));
		});
	}

	async listSessions(
		call: CallContext,
		principal: Principal,
	): Promise<Result<Session[], "invalid_session">> {
		return loggedCall(this.telemetry, "listSessions", call, async (span) => {
			if (principal.sessionId === null) return fail("invalid_session");
			const sessions = released(
				await this.account(principal.userId).list(span, principal.sessionId),
			);
			return sessions ? ok(sessions) : fail("invalid_session");
		});
	}

	async endSession(
		call: CallContext,
		principal: Principal,
		sessionId: string,
	): Promise<Result<null, "invalid_session" | "not_found">> {
		return loggedCall(this.telemetry, "endSession", call, async (span) => {
			if (principal.sessionId === null) return fail("invalid_session");
			const account = this.account(principal.userId);
			const ended = released(await account.end(span, principal.sessionId, sessionId));
			return ended === "ended" ? ok(null) : fail(ended);
		});
	}

	/** Ends every session of the principal's user: every access token they hold stops working. */
	async endAllSessions(
		call: CallContext,
		principal: Principal,
	): Promise<Result<null, "invalid_session">> {
		return loggedCall(this.telemetry, "endAllSessions", call, async (span) => {
			if (principal.sessionId === null) return fail("invalid_session");
			const ended = released(
				await this.account(principal.userId).endAll(span, principal.sessionId),
			);
			return ended ? ok(null) : fail("invalid_session");
		});
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
			const started = released(await account.restart(span, refresh.hash));
			if (!started) return fail("invalid_session");
			// Another change won the race: this one's current password is no longer current.
			if (!(await replacePasswordHash(db, principal.userId, hash, next))) {
				released(await account.end(span, started.id, started.id));
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
			released(await this.account(principal.userId).close(span));
			this.ctx.waitUntil(this.publish(event));
			return ok(null);
		});
	}

	/** The principal's user, or null if it may not act as them (see isValidUser). */
	async getUser(call: CallContext, principal: Principal): Promise<User | null> {
		return loggedCall(this.telemetry, "getUser", call, async (span) => {
			const [valid, user] = await Promise.all([
				this.principalValid(span, principal),
				this.readOrPrimary(call, (session) => findUserById(usersDb(session), principal.userId)),
			]);
			return valid ? user : null;
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
			let listed = released(await account.notifications(span, principal.sessionId, page));
			if (!listed.ok && listed.error === "move_legacy") {
				await this.moveLegacyNotifications(span, principal.userId);
				listed = released(await account.notifications(span, principal.sessionId, page));
			}
			if (listed.ok) return listed;
			return fail(listed.error === "invalid_cursor" ? "invalid_cursor" : "invalid_user");
		});
	}

	/** Health check: the database answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(this.telemetry, "ping", call, async () => {
			await this.env.DB.prepare("SELECT 1").first();
			return true as const;
		});
	}

	private account(userId: number): DurableObjectStub<Account> {
		return this.env.ACCOUNT.getByName(String(userId));
	}

	/**
	 * Moves the user's notifications recorded in D1 before they lived in the
	 * Account object, oldest first, in batches; once per user. A row moved
	 * twice (a crash before its D1 delete) is kept once.
	 */
	private async moveLegacyNotifications(span: CallContext, userId: number): Promise<void> {
		const db = usersDb(this.env.DB.withSession("first-primary"));
		const account = this.account(userId);
		for (let after = 0; ; ) {
			const rows = await legacyBatch(db, userId, after);
			const last = rows.length < MOVE_BATCH;
			released(await account.moveLegacy(span, rows, last));
			const newest = rows.at(-1);
			if (newest) await deleteLegacy(db, userId, newest.seq);
			if (last || !newest) return;
			after = newest.seq;
		}
	}

	private async principalValid(span: CallContext, principal: Principal): Promise<boolean> {
		if (principal.sessionId === null) {
			return this.readOrPrimary(span, (session) => userExists(session, principal.userId));
		}
		return released(await this.account(principal.userId).isLive(span, principal.sessionId));
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
	): Promise<Result<{ db: UsersDb; hash: string }, PasswordCheckFailure>> {
		if (principal.sessionId === null) return fail("invalid_session");
		const db = usersDb(this.env.DB.withSession("first-primary"));
		const hash = await findPasswordHash(db, principal.userId);
		const account = this.account(principal.userId);
		const checked = released(
			await account.checkPassword(span, principal.sessionId, hash, password),
		);
		if (checked !== "ok") return fail(CHECK_FAILURE[checked]);
		// "ok" means a stored hash matched.
		return hash === null ? fail("invalid_credentials") : ok({ db, hash });
	}

	/**
	 * For reads that may be slightly stale (D1 read replication): any replica,
	 * or one that has the client's last write when it sent that write's bookmark.
	 */
	private readSession(call: CallContext): D1DatabaseSession {
		return this.env.DB.withSession(call.bookmark ?? "first-unconstrained");
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
		read: (session: D1DatabaseSession) => Promise<T>,
	): Promise<T> {
		const found = await read(this.readSession(call));
		if (found || call.bookmark) return found;
		return read(this.env.DB.withSession("first-primary"));
	}

	/** The event is in the outbox already; if this send fails, the cron trigger sends it. */
	private async publish(event: UserRegistered | UserDeleted): Promise<void> {
		const line = { service: SERVICE, ...eventFields(event), send: event.type };
		try {
			await sendEvents(usersDb(this.env.DB), this.env.TASKS, [event]);
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
		const db = usersDb(env.DB);
		if (batch.queue === DEAD_LETTER_QUEUE) return storeDeadLetters(batch, db, env.METRICS);
		return consumeTasks(batch, {
			db,
			sender: logEmailSender,
			deadLetters: env.DEAD_LETTERS,
			metrics: env.METRICS,
			accounts: env.ACCOUNT,
			// Typed through the contract it implements (see OrderErasure).
			orders: env.ORDER_SERVICE as Service<OrderErasure & Rpc.WorkerEntrypointBranded>,
		});
	},

	async scheduled(controller, env) {
		await relayOutbox(usersDb(env.DB), env.TASKS, new Date(controller.scheduledTime));
	},
} satisfies ExportedHandler<Env>;

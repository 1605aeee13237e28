import { WorkerEntrypoint } from "cloudflare:workers";
import type { UserRegistered } from "../../../shared/events";
import { eventFields, loggedCall, logLine, safeErrorMessage } from "../../../shared/log";
import type { Telemetry } from "../../../shared/metrics";
import type { NotificationPage } from "../../../shared/notifications";
import type { PageRequest } from "../../../shared/pagination";
import { type CallContext, fail, ok, type Principal, type Result } from "../../../shared/rpc";
import type { NewUser, User } from "../../../shared/users";
import { DEAD_LETTER_QUEUE, storeDeadLetters } from "./dead-letters";
import { logEmailSender } from "./email";
import { listNotifications } from "./notifications";
import { relayOutbox, sendEvents } from "./outbox";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password";
import { consumeTasks } from "./tasks";
import { findCredentials, findPrincipalUser, insertUser, principalExists, usersDb } from "./users";

const SERVICE = "user";

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
	 * The user with this username and password, and the key their access
	 * tokens carry. Unknown user and wrong password take the same work and
	 * give the same answer.
	 */
	async verifyCredentials(
		call: CallContext,
		username: string,
		password: string,
	): Promise<Result<{ user: User; tokenKey: string }, "invalid_credentials">> {
		return loggedCall(this.telemetry, "verifyCredentials", call, async () => {
			// Never stale: a login right after registration must find the user.
			const latest = usersDb(this.env.DB.withSession(call.bookmark ?? "first-primary"));
			const found = await findCredentials(latest, username);
			const valid = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
			// Every user has a token key (set on insert, filled in by its migration).
			return found?.tokenKey && valid
				? ok({ user: found.user, tokenKey: found.tokenKey })
				: fail("invalid_credentials");
		});
	}

	/** The principal's user, or null if it may not act as them (see findPrincipalUser). */
	async getUser(call: CallContext, principal: Principal): Promise<User | null> {
		return loggedCall(this.telemetry, "getUser", call, () =>
			this.readOrPrimary(call, (session) => findPrincipalUser(usersDb(session), principal)),
		);
	}

	/** Whether the principal may act as its user: what the order worker asks before it touches orders. */
	async isValidUser(call: CallContext, principal: Principal): Promise<boolean> {
		return loggedCall(this.telemetry, "isValidUser", call, () =>
			this.readOrPrimary(call, (session) => principalExists(session, principal)),
		);
	}

	async listNotifications(
		call: CallContext,
		principal: Principal,
		page: PageRequest,
	): Promise<Result<NotificationPage, "invalid_cursor" | "invalid_user">> {
		return loggedCall(this.telemetry, "listNotifications", call, async () => {
			const session = this.readSession(call);
			const valid = (s: D1DatabaseSession) => principalExists(s, principal);
			if (!(await this.readOrPrimary(call, valid, session))) return fail("invalid_user");
			return listNotifications(usersDb(session), principal.userId, page);
		});
	}

	/** Health check: the database answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(this.telemetry, "ping", call, async () => {
			await this.env.DB.prepare("SELECT 1").first();
			return true as const;
		});
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
	 * turn a real user away. A caller that reads more passes its session, so
	 * its reads see the same replica.
	 */
	private async readOrPrimary<T>(
		call: CallContext,
		read: (session: D1DatabaseSession) => Promise<T>,
		session = this.readSession(call),
	): Promise<T> {
		const found = await read(session);
		if (found || call.bookmark) return found;
		return read(this.env.DB.withSession("first-primary"));
	}

	/** The event is in the outbox already; if this send fails, the cron trigger sends it. */
	private async publish(event: UserRegistered): Promise<void> {
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
		});
	},

	async scheduled(controller, env) {
		await relayOutbox(usersDb(env.DB), env.TASKS, new Date(controller.scheduledTime));
	},
} satisfies ExportedHandler<Env>;

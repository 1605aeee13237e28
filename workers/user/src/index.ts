import { WorkerEntrypoint } from "cloudflare:workers";
import type { UserRegistered } from "../../../shared/events";
import { loggedCall, logLine, safeErrorMessage } from "../../../shared/log";
import type { NotificationPage } from "../../../shared/notifications";
import type { PageRequest } from "../../../shared/pagination";
import { type CallContext, fail, ok, type Principal, type Result } from "../../../shared/rpc";
import { spanFields, startSpan } from "../../../shared/trace";
import type { NewUser, User } from "../../../shared/users";
import { DEAD_LETTER_QUEUE, storeDeadLetters } from "./dead-letters";
import { logEmailSender } from "./email";
import { listNotifications } from "./notifications";
import { relayOutbox, sendEvents } from "./outbox";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password";
import { consumeTasks } from "./tasks";
import { findCredentials, findPrincipalUser, insertUser, usersDb } from "./users";

const SERVICE = "user";

/**
 * The user service's RPC interface, bound by the gateway and the order worker.
 * Callers are trusted workers: input arrives validated by the gateway. Every
 * method takes the caller's CallContext first.
 */
export class UserService extends WorkerEntrypoint<Env> {
	/** Registers a user; its user.registered event is sent once the response has left. */
	async createUser(call: CallContext, input: NewUser): Promise<Result<User, "username_taken">> {
		return loggedCall(SERVICE, "createUser", call, async (span) => {
			const created = await insertUser(
				usersDb(this.env.DB),
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
			return ok(created.value.user);
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
		return loggedCall(SERVICE, "verifyCredentials", call, async () => {
			const found = await findCredentials(usersDb(this.env.DB), username);
			const valid = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
			// Every user has a token key (set on insert, filled in by its migration).
			return found?.tokenKey && valid
				? ok({ user: found.user, tokenKey: found.tokenKey })
				: fail("invalid_credentials");
		});
	}

	/** The principal's user, or null if it may not act as them (see findPrincipalUser). */
	async getUser(call: CallContext, principal: Principal): Promise<User | null> {
		return loggedCall(SERVICE, "getUser", call, () =>
			findPrincipalUser(usersDb(this.env.DB), principal),
		);
	}

	/** Whether the principal may act as its user: what the order worker asks before it touches orders. */
	async isValidUser(call: CallContext, principal: Principal): Promise<boolean> {
		return loggedCall(
			SERVICE,
			"isValidUser",
			call,
			async () => (await findPrincipalUser(usersDb(this.env.DB), principal)) !== null,
		);
	}

	async listNotifications(
		call: CallContext,
		principal: Principal,
		page: PageRequest,
	): Promise<Result<NotificationPage, "invalid_cursor" | "invalid_user">> {
		return loggedCall(SERVICE, "listNotifications", call, async () => {
			const db = usersDb(this.env.DB);
			if (!(await findPrincipalUser(db, principal))) return fail("invalid_user");
			return listNotifications(db, principal.userId, page);
		});
	}

	/** Health check: the database answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(SERVICE, "ping", call, async () => {
			await this.env.DB.prepare("SELECT 1").first();
			return true as const;
		});
	}

	/** The event is in the outbox already; if this send fails, the cron trigger sends it. */
	private async publish(event: UserRegistered): Promise<void> {
		const line = {
			service: SERVICE,
			requestId: event.requestId,
			...spanFields(startSpan(event.traceparent)),
			send: event.type,
			eventId: event.eventId,
		};
		try {
			await sendEvents(usersDb(this.env.DB), this.env.TASKS, [event], new Date());
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
		if (batch.queue === DEAD_LETTER_QUEUE) return storeDeadLetters(batch, db);
		return consumeTasks(batch, { db, sender: logEmailSender, deadLetters: env.DEAD_LETTERS });
	},

	async scheduled(controller, env) {
		await relayOutbox(usersDb(env.DB), env.TASKS, new Date(controller.scheduledTime));
	},
} satisfies ExportedHandler<Env>;

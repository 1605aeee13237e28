import { WorkerEntrypoint } from "cloudflare:workers";
import { loggedCall } from "../../../shared/log";
import { type CallContext, fail, ok, type Result } from "../../../shared/rpc";
import type { NewUser, User } from "../../../shared/users";
import { DECOY_HASH, hashPassword, verifyPassword } from "./password";
import { findCredentials, findUserById, insertUser, usersDb } from "./users";

const SERVICE = "user";

/**
 * The user service's RPC interface, bound by the gateway and the order worker.
 * Callers are trusted workers: input arrives validated by the gateway. Every
 * method takes the caller's CallContext first.
 */
export class UserService extends WorkerEntrypoint<Env> {
	async createUser(call: CallContext, input: NewUser): Promise<Result<User, "username_taken">> {
		return loggedCall(SERVICE, "createUser", call, async () =>
			insertUser(usersDb(this.env.DB), {
				username: input.username,
				...(input.email === undefined ? {} : { email: input.email }),
				passwordHash: await hashPassword(input.password),
				createdAt: new Date(),
			}),
		);
	}

	/**
	 * The user with this username and password. Unknown user and wrong
	 * password take the same work and give the same answer.
	 */
	async verifyCredentials(
		call: CallContext,
		username: string,
		password: string,
	): Promise<Result<User, "invalid_credentials">> {
		return loggedCall(SERVICE, "verifyCredentials", call, async () => {
			const found = await findCredentials(usersDb(this.env.DB), username);
			const valid = await verifyPassword(password, found?.passwordHash ?? DECOY_HASH);
			return found && valid ? ok(found.user) : fail("invalid_credentials");
		});
	}

	async getUser(call: CallContext, id: number): Promise<User | null> {
		return loggedCall(SERVICE, "getUser", call, () => findUserById(usersDb(this.env.DB), id));
	}

	async userExists(call: CallContext, id: number): Promise<boolean> {
		return loggedCall(
			SERVICE,
			"userExists",
			call,
			async () => (await findUserById(usersDb(this.env.DB), id)) !== null,
		);
	}

	/** Health check: the database answers. */
	async ping(call: CallContext): Promise<true> {
		return loggedCall(SERVICE, "ping", call, async () => {
			await this.env.DB.prepare("SELECT 1").first();
			return true as const;
		});
	}
}

// No public URL: anything reaching this worker over HTTP is a mistake.
export default {
	fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler<Env>;

import { WorkerEntrypoint } from "cloudflare:workers";
import { loggedCall } from "../../../shared/log";
import type { CallContext, Result } from "../../../shared/rpc";
import type { NewUser, User } from "../../../shared/users";
import { hashPassword } from "./password";
import { findUserById, insertUser, usersDb } from "./users";

const SERVICE = "user";

/**
 * The user service's RPC interface, bound by the gateway and the order worker.
 * Callers are trusted workers: input arrives validated by the gateway.
 */
export class UserService extends WorkerEntrypoint<UserEnv> {
	async createUser(input: NewUser, call: CallContext): Promise<Result<User, "username_taken">> {
		return loggedCall(SERVICE, "createUser", call, async () =>
			insertUser(usersDb(this.env.DB), {
				username: input.username,
				...(input.email === undefined ? {} : { email: input.email }),
				passwordHash: await hashPassword(input.password),
				createdAt: new Date(),
			}),
		);
	}

	async getUser(id: number, call: CallContext): Promise<User | null> {
		return loggedCall(SERVICE, "getUser", call, () => findUserById(usersDb(this.env.DB), id));
	}

	async userExists(id: number, call: CallContext): Promise<boolean> {
		return loggedCall(
			SERVICE,
			"userExists",
			call,
			async () => (await findUserById(usersDb(this.env.DB), id)) !== null,
		);
	}
}

// No public URL: anything reaching this worker over HTTP is a mistake.
export default {
	fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler<UserEnv>;

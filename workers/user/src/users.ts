import { eq } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { fail, ok, type Result } from "../../../shared/rpc";
import { type User, usernameKey } from "../../../shared/users";
import * as schema from "./db/schema";

export type UsersDb = DrizzleD1Database<typeof schema>;

export function usersDb(d1: D1Database): UsersDb {
	return drizzle(d1, { schema });
}

type UserRow = typeof schema.users.$inferSelect;

function toUser(row: UserRow): User {
	return {
		id: row.id,
		username: row.username,
		...(row.email === null ? {} : { email: row.email }),
		createdAt: row.createdAt.toISOString(),
	};
}

function isUniqueViolation(error: unknown): boolean {
	// D1 reports constraint failures on the error's cause.
	const messages = [error, error instanceof Error ? error.cause : undefined].map((e) =>
		e instanceof Error ? e.message : "",
	);
	return messages.some((m) => m.includes("UNIQUE constraint failed"));
}

export async function insertUser(
	db: UsersDb,
	user: { username: string; email?: string; passwordHash: string; createdAt: Date },
): Promise<Result<User, "username_taken">> {
	try {
		const [row] = await db
			.insert(schema.users)
			.values({
				username: user.username,
				usernameKey: usernameKey(user.username),
				email: user.email ?? null,
				passwordHash: user.passwordHash,
				createdAt: user.createdAt,
			})
			.returning();
		if (!row) throw new Error("insert returned no row");
		return ok(toUser(row));
	} catch (error) {
		if (isUniqueViolation(error)) return fail("username_taken");
		throw error;
	}
}

export async function findUserById(db: UsersDb, id: number): Promise<User | null> {
	const row = await db.query.users.findFirst({ where: eq(schema.users.id, id) });
	return row ? toUser(row) : null;
}

/** The user and stored hash for a login; matched the way registration compares names. */
export async function findCredentials(
	db: UsersDb,
	username: string,
): Promise<{ user: User; passwordHash: string } | null> {
	const row = await db.query.users.findFirst({
		where: eq(schema.users.usernameKey, usernameKey(username)),
	});
	return row ? { user: toUser(row), passwordHash: row.passwordHash } : null;
}

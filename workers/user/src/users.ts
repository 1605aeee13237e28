import { eq, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { fail, ok, type Result } from "../../../shared/rpc";
import type { User } from "../../../shared/users";
import * as schema from "./db/schema";

type UsersDb = DrizzleD1Database<typeof schema>;

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

/**
 * The form usernames are compared in (case and width folded), wherever they
 * are compared: uniqueness and login.
 */
export function usernameKey(username: string): string {
	return username.normalize("NFKC").toLowerCase();
}

/**
 * Inserts the user unless the folded name is taken, in one statement, so
 * concurrent registrations cannot both win. Not `ON CONFLICT DO NOTHING`: that
 * spends an AUTOINCREMENT id on every refused name, and ids count users from
 * 1 with no gaps, as in the tutorial.
 */
export async function insertUser(
	db: UsersDb,
	user: { username: string; email?: string; passwordHash: string; createdAt: Date },
): Promise<Result<User, "username_taken">> {
	const { users } = schema;
	const key = usernameKey(user.username);
	// Values in the table's column order; NULL lets SQLite number the user.
	const [row] = await db
		.insert(users)
		.select(
			sql`SELECT NULL, ${user.username}, ${key}, ${user.email ?? null}, ${user.passwordHash}, ${user.createdAt.getTime()}
				WHERE NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.usernameKey} = ${key})`,
		)
		.returning();
	return row ? ok(toUser(row)) : fail("username_taken");
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

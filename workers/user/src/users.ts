import { eq, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { UserRegistered } from "../../../shared/events";
import { randomHex } from "../../../shared/hex";
import { retryReadOnce } from "../../../shared/retry";
import { type CallContext, fail, ok, type Principal, type Result } from "../../../shared/rpc";
import { usernameKey } from "../../../shared/username";
import type { User } from "../../../shared/users";
import * as schema from "./db/schema";

export type UsersDb = DrizzleD1Database;

/**
 * The users database through drizzle, on D1 itself or on a Sessions API
 * session (read replication). drizzle's D1 driver calls only prepare() and
 * batch(), which a session has too; its types predate sessions, hence the
 * cast. Queries are drizzle's core builders, not its relational API: that
 * one's setup and query building were most of the user worker's CPU per
 * request in the bench (docs/PERFORMANCE.md).
 */
export function usersDb(d1: D1Database | D1DatabaseSession): UsersDb {
	return drizzle(d1 as D1Database);
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

/** A fresh key for a user's access tokens: 128 random bits. */
const newTokenKey = () => randomHex(16);

/**
 * Inserts the user unless the folded name is taken, and its user.registered
 * event into the outbox, in one batch: one transaction, so there is no user
 * without its event and no event without its user. The insert is one
 * statement, so concurrent registrations cannot both win; it is not
 * `ON CONFLICT DO NOTHING`, which spends an AUTOINCREMENT id on every refused
 * name, and ids count users from 1 with no gaps, as in the tutorial.
 */
export async function insertUser(
	db: UsersDb,
	user: { username: string; email?: string; passwordHash: string; createdAt: Date },
	cause: CallContext,
): Promise<Result<{ user: User; event: UserRegistered }, "username_taken">> {
	const { users, outbox } = schema;
	const key = usernameKey(user.username);
	const event = {
		type: "user.registered" as const,
		eventId: crypto.randomUUID(),
		occurredAt: user.createdAt.toISOString(),
		requestId: cause.requestId,
		traceparent: cause.traceparent,
	};
	const [inserted] = await db.batch([
		// Values in the table's column order; NULL lets SQLite number the user.
		db
			.insert(users)
			.select(
				sql`SELECT NULL, ${user.username}, ${key}, ${user.email ?? null}, ${user.passwordHash}, ${user.createdAt.getTime()}, ${newTokenKey()}
					WHERE NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.usernameKey} = ${key})`,
			)
			.returning(),
		// The event gets the user's id from the row the statement before
		// inserted, and is not written when that statement inserted nothing.
		db.insert(outbox).select(
			sql`SELECT ${event.eventId}, json_set(${JSON.stringify(event)}, '$.userId', ${users.id}), ${user.createdAt.getTime()}
					FROM ${users} WHERE ${users.id} = last_insert_rowid() AND changes() = 1`,
		),
	]);
	const row = inserted[0];
	return row
		? ok({ user: toUser(row), event: { ...event, userId: row.id } })
		: fail("username_taken");
}

export async function findUserById(db: UsersDb, id: number): Promise<User | null> {
	const row = await db.select().from(schema.users).where(eq(schema.users.id, id)).get();
	return row ? toUser(row) : null;
}

/**
 * The user a principal names, if it may act as them: the user exists and,
 * for a token's principal, the token carries the user's current key.
 */
export async function findPrincipalUser(db: UsersDb, principal: Principal): Promise<User | null> {
	const row = await retryReadOnce(() =>
		db.select().from(schema.users).where(eq(schema.users.id, principal.userId)).get(),
	);
	if (!row || (principal.tokenKey !== null && row.tokenKey !== principal.tokenKey)) return null;
	return toUser(row);
}

/**
 * Whether a principal may act as its user, as findPrincipalUser decides it,
 * without reading the row: one probe of the primary key. The order worker
 * asks this before every order, so it is raw SQL, like the order insert
 * (docs/PERFORMANCE.md): drizzle's query building and row mapping cost more
 * than the probe itself.
 */
export async function principalExists(
	d1: D1Database | D1DatabaseSession,
	principal: Principal,
): Promise<boolean> {
	const probe =
		principal.tokenKey === null
			? d1.prepare("SELECT 1 FROM users WHERE id = ?").bind(principal.userId)
			: d1
					.prepare("SELECT 1 FROM users WHERE id = ? AND token_key = ?")
					.bind(principal.userId, principal.tokenKey);
	return (await retryReadOnce(() => probe.first())) !== null;
}

/** The user, stored hash and token key for a login; matched the way registration compares names. */
export async function findCredentials(
	db: UsersDb,
	username: string,
): Promise<{ user: User; passwordHash: string; tokenKey: string | null } | null> {
	const row = await retryReadOnce(() =>
		db
			.select()
			.from(schema.users)
			.where(eq(schema.users.usernameKey, usernameKey(username)))
			.get(),
	);
	return row ? { user: toUser(row), passwordHash: row.passwordHash, tokenKey: row.tokenKey } : null;
}

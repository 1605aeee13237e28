import { and, eq, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { UserDeleted, UserRegistered } from "#shared/contracts/events";
import { type CallContext, fail, ok, type Result } from "#shared/contracts/rpc";
import { usernameKey } from "#shared/contracts/username";
import type { User } from "#shared/contracts/users";
import { retryReadOnce } from "#shared/kit/retry";
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

/**
 * Inserts the user, under the id given (user-ids.ts), unless the folded
 * name is taken in this shard (the shard of the name, so the only place it
 * can be), and its user.registered event into the outbox, in one batch: one
 * transaction, so there is no user without its event and no event without
 * its user. The insert is one statement, so concurrent registrations of one
 * name cannot both win.
 */
export async function insertUser(
	db: UsersDb,
	user: { id: number; username: string; email?: string; passwordHash: string; createdAt: Date },
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
		// Values in the table's column order.
		db
			.insert(users)
			.select(
				sql`SELECT ${user.id}, ${user.username}, ${key}, ${user.email ?? null}, ${user.passwordHash}, ${user.createdAt.getTime()}
					WHERE NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.usernameKey} = ${key})`,
			)
			.returning(),
		// The event gets the user's id from the row the statement before
		// inserted, and is not written when that statement inserted nothing.
		// Values in the outbox's column order, the last sent_at (not yet).
		db.insert(outbox).select(
			sql`SELECT ${event.eventId}, json_set(${JSON.stringify(event)}, '$.userId', ${users.id}), ${user.createdAt.getTime()}, NULL
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
 * Whether a user exists in a shard: what the tutorial's routes ask, which
 * name a user by id alone (API v1 asks the user's Account object about its
 * session).
 * The order worker asks this before every tutorial order, so it is raw
 * SQL, like the order insert (docs/PERFORMANCE.md): drizzle's query
 * building and row mapping cost more than the probe itself.
 */
export async function userExists(
	d1: D1Database | D1DatabaseSession,
	userId: number,
): Promise<boolean> {
	const probe = d1.prepare("SELECT 1 FROM users WHERE id = ?").bind(userId);
	return (await retryReadOnce(() => probe.first())) !== null;
}

/** Whether the folded name is taken: registration asks before it takes an id for the name. */
export async function nameTaken(
	d1: D1Database | D1DatabaseSession,
	username: string,
): Promise<boolean> {
	const probe = d1
		.prepare("SELECT 1 FROM users WHERE username_key = ?")
		.bind(usernameKey(username));
	return (await probe.first()) !== null;
}

/** The user and stored hash for a login; matched the way registration compares names. */
export async function findCredentials(
	db: UsersDb,
	username: string,
): Promise<{ user: User; passwordHash: string } | null> {
	const row = await retryReadOnce(() =>
		db
			.select()
			.from(schema.users)
			.where(eq(schema.users.usernameKey, usernameKey(username)))
			.get(),
	);
	return row ? { user: toUser(row), passwordHash: row.passwordHash } : null;
}

/** The stored hash of a user's password, for the changes that ask for it again. */
export async function findPasswordHash(db: UsersDb, userId: number): Promise<string | null> {
	const row = await retryReadOnce(() =>
		db
			.select({ passwordHash: schema.users.passwordHash })
			.from(schema.users)
			.where(eq(schema.users.id, userId))
			.get(),
	);
	return row?.passwordHash ?? null;
}

/**
 * Replaces the hash, if it is still the one the caller checked: of two
 * concurrent changes, one wins and the other is told the current password
 * is no longer right.
 */
export async function replacePasswordHash(
	db: UsersDb,
	userId: number,
	checked: string,
	next: string,
): Promise<boolean> {
	const changed = await db
		.update(schema.users)
		.set({ passwordHash: next })
		.where(and(eq(schema.users.id, userId), eq(schema.users.passwordHash, checked)))
		.returning({ id: schema.users.id });
	return changed.length === 1;
}

/**
 * Deletes the user, their notifications still in D1 and, in the outbox, the
 * user.deleted event that carries the deletion to the other stores, in
 * one batch: one transaction. Of concurrent deletions one deletes the row;
 * the others find none and write nothing. The id is never given out again
 * (AUTOINCREMENT), so nothing still keyed by it can reach a new account.
 */
export async function deleteUser(
	db: UsersDb,
	userId: number,
	cause: CallContext,
): Promise<UserDeleted | null> {
	const { users, outbox, legacyNotifications } = schema;
	const now = new Date();
	const event: UserDeleted = {
		type: "user.deleted",
		eventId: crypto.randomUUID(),
		occurredAt: now.toISOString(),
		userId,
		requestId: cause.requestId,
		traceparent: cause.traceparent,
	};
	const [deleted] = await db.batch([
		db.delete(users).where(eq(users.id, userId)).returning({ id: users.id }),
		// Written only when the statement before deleted the row; not yet sent.
		db
			.insert(outbox)
			.select(
				sql`SELECT ${event.eventId}, ${JSON.stringify(event)}, ${now.getTime()}, NULL WHERE changes() = 1`,
			),
		db.delete(legacyNotifications).where(eq(legacyNotifications.userId, userId)),
	]);
	return deleted.length === 1 ? event : null;
}

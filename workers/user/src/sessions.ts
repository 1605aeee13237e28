import type { Session } from "#shared/contracts/sessions";
import { randomHex } from "#shared/kit/hex";
import { REFRESH_TTL_MS } from "./refresh-tokens";

/**
 * One user's sessions, in that user's Account object (account.ts): plain
 * functions over its SQLite, each run inside one of the object's methods,
 * which never await, so each is one transaction.
 */

/** A login past this many live sessions ends the least recently used one. */
export const MAX_SESSIONS = 50;

/**
 * Rotated refresh tokens kept per session to detect reuse. A session
 * refreshed every 15 minutes rotates 96 times a day; a token older than the
 * last 100 rotations is refused as unknown rather than revoking the session.
 */
const KEPT_ROTATIONS = 100;

export const SESSION_TABLES = [
	`CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		refresh_hash TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL,
		last_used_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	)`,
	`CREATE TABLE rotated_refresh_tokens (
		hash TEXT PRIMARY KEY,
		session_id TEXT NOT NULL,
		rotated_at INTEGER NOT NULL
	)`,
	"CREATE INDEX rotated_refresh_tokens_session ON rotated_refresh_tokens (session_id, rotated_at)",
];

interface SessionRow extends Record<string, SqlStorageValue> {
	id: string;
	created_at: number;
	last_used_at: number;
	expires_at: number;
}

export interface StartedSession {
	id: string;
	expiresAt: number;
}

function end(sql: SqlStorage, where: string, ...bindings: SqlStorageValue[]): number {
	const ended = sql
		.exec<{ id: string }>(`DELETE FROM sessions WHERE ${where} RETURNING id`, ...bindings)
		.toArray();
	for (const { id } of ended) {
		sql.exec("DELETE FROM rotated_refresh_tokens WHERE session_id = ?", id);
	}
	return ended.length;
}

/** Starts a session whose refresh token hashes to `refreshHash`. */
export function startSession(sql: SqlStorage, refreshHash: string, now: number): StartedSession {
	end(sql, "expires_at <= ?", now);
	// Room for this one: the least recently used go first.
	end(
		sql,
		"id IN (SELECT id FROM sessions ORDER BY last_used_at DESC, created_at DESC LIMIT -1 OFFSET ?)",
		MAX_SESSIONS - 1,
	);
	const session = { id: randomHex(16), expiresAt: now + REFRESH_TTL_MS };
	sql.exec(
		"INSERT INTO sessions (id, refresh_hash, created_at, last_used_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		session.id,
		refreshHash,
		now,
		now,
		session.expiresAt,
	);
	return session;
}

export type Rotation = { ok: true; session: StartedSession } | { ok: false; reused: boolean };

/**
 * Swaps a session's refresh token for the next one. A token that was
 * already swapped is a token someone kept: the session ends (RFC 9700,
 * 4.14.2), whoever holds the newer token.
 */
export function rotateSession(
	sql: SqlStorage,
	presentedHash: string,
	nextHash: string,
	now: number,
): Rotation {
	const [live] = sql
		.exec<{ id: string }>(
			"SELECT id FROM sessions WHERE refresh_hash = ? AND expires_at > ?",
			presentedHash,
			now,
		)
		.toArray();
	if (!live) {
		const [rotated] = sql
			.exec<{ session_id: string }>(
				"SELECT session_id FROM rotated_refresh_tokens WHERE hash = ?",
				presentedHash,
			)
			.toArray();
		if (rotated) end(sql, "id = ?", rotated.session_id);
		return { ok: false, reused: rotated !== undefined };
	}
	const expiresAt = now + REFRESH_TTL_MS;
	sql.exec(
		"UPDATE sessions SET refresh_hash = ?, last_used_at = ?, expires_at = ? WHERE id = ?",
		nextHash,
		now,
		expiresAt,
		live.id,
	);
	sql.exec(
		"INSERT INTO rotated_refresh_tokens (hash, session_id, rotated_at) VALUES (?, ?, ?)",
		presentedHash,
		live.id,
		now,
	);
	sql.exec(
		`DELETE FROM rotated_refresh_tokens WHERE session_id = ?1 AND hash NOT IN
			(SELECT hash FROM rotated_refresh_tokens WHERE session_id = ?1 ORDER BY rotated_at DESC LIMIT ?2)`,
		live.id,
		KEPT_ROTATIONS,
	);
	return { ok: true, session: { id: live.id, expiresAt } };
}

export function sessionLive(sql: SqlStorage, id: string, now: number): boolean {
	return (
		sql.exec("SELECT 1 FROM sessions WHERE id = ? AND expires_at > ?", id, now).toArray().length > 0
	);
}

/** The live sessions, most recently used first. */
export function listSessions(sql: SqlStorage, currentId: string, now: number): Session[] {
	return sql
		.exec<SessionRow>(
			"SELECT id, created_at, last_used_at, expires_at FROM sessions WHERE expires_at > ? ORDER BY last_used_at DESC, created_at DESC",
			now,
		)
		.toArray()
		.map((row) => ({
			id: row.id,
			createdAt: new Date(row.created_at).toISOString(),
			lastUsedAt: new Date(row.last_used_at).toISOString(),
			current: row.id === currentId,
		}));
}

/** Ends one session; false if there was none by that id. */
export function endSession(sql: SqlStorage, id: string): boolean {
	return end(sql, "id = ?", id) > 0;
}

/** Ends the session a refresh token belongs to, whether it is its latest or an earlier one. */
export function endSessionOf(sql: SqlStorage, refreshHash: string): void {
	end(
		sql,
		"refresh_hash = ?1 OR id IN (SELECT session_id FROM rotated_refresh_tokens WHERE hash = ?1)",
		refreshHash,
	);
}

export function endAllSessions(sql: SqlStorage): void {
	end(sql, "1 = 1");
}

import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { TaskEvent } from "#shared/contracts/events";
import { outboxTable } from "#shared/kit/outbox-table";

export const users = sqliteTable("users", {
	// Given by the UserIds object (user-ids.ts), unique across shards and
	// never reused; AUTOINCREMENT stays so no shard could reuse one either.
	id: integer("id").primaryKey({ autoIncrement: true }),
	username: text("username").notNull(),
	// Usernames are unique without regard to case: the constraint is on this
	// folded copy, so concurrent registrations cannot both win.
	usernameKey: text("username_key").notNull().unique(),
	email: text("email"),
	// "pbkdf2-sha256$<iterations>$<salt>$<hash>", see password.ts.
	passwordHash: text("password_hash").notNull(),
	createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
});

// user.registered and user.deleted events, sent after their batch commits (see outbox.ts).
export const outbox = outboxTable<TaskEvent>();

// Notifications as they were recorded before they moved into each user's
// Account object (notifications.ts there): read once per user, to move them
// (legacy-notifications.ts), and written no more.
export const legacyNotifications = sqliteTable(
	"notifications",
	{
		// Insertion order: lists and cursors page on it, newest first.
		seq: integer("seq").primaryKey({ autoIncrement: true }),
		// The id of the event it records, which is what makes it exactly once.
		id: text("id").notNull().unique(),
		userId: integer("user_id").notNull(),
		kind: text("kind", { enum: ["welcome", "order_confirmation"] }).notNull(),
		orderId: text("order_id"),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		// When its e-mail went out: a redelivered event sends only what was not sent.
		emailedAt: integer("emailed_at", { mode: "timestamp_ms" }),
	},
	(table) => [index("notifications_user_seq").on(table.userId, table.seq)],
);

// Messages the tasks consumer gave up on, for an operator to look at
// (`npm run dead-letters`).
export const deadLetters = sqliteTable("dead_letters", {
	id: integer("id").primaryKey({ autoIncrement: true }),
	// The message's id on the tasks queue: a dead letter delivered twice is kept once.
	messageId: text("message_id").notNull().unique(),
	body: text("body", { mode: "json" }).$type<unknown>(),
	error: text("error").notNull(),
	attempts: integer("attempts").notNull(),
	diedAt: integer("died_at", { mode: "timestamp_ms" }).notNull(),
});

// Redrives an operator (`npm run redrive`) or `npm run dev` asked for: send
// again every event sent between `since` and `requested_at`. The cron
// (scheduled.ts) carries each out, in the first users database like the dead
// letters: every shard's outbox, then the order worker's OrderBooks step by
// step, and marks it done.
export const redriveRequests = sqliteTable(
	"redrive_requests",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		since: integer("since", { mode: "timestamp_ms" }).notNull(),
		// The database's clock when the request was written: the window's end.
		requestedAt: integer("requested_at", { mode: "timestamp_ms" }).notNull(),
		// Events the users databases' outboxes marked unsent; null until they have.
		userEvents: integer("user_events"),
		// Where the walk over the OrderBooks stands (the order worker's cursor).
		ordersCursor: text("orders_cursor"),
		books: integer("books").notNull().default(0),
		orderEvents: integer("order_events").notNull().default(0),
		doneAt: integer("done_at", { mode: "timestamp_ms" }),
	},
	(table) => [index("redrive_requests_open").on(table.id).where(sql`done_at IS NULL`)],
);

import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
	// AUTOINCREMENT: ids start at 1 in creation order and are never reused.
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

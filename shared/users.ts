import { z } from "zod";

export const UserSchema = z
	.object({
		id: z.number().int().positive(),
		username: z.string(),
		email: z.string().optional(),
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "User" });

export type User = z.infer<typeof UserSchema>;

export interface NewUser {
	username: string;
	password: string;
	email?: string;
}

/**
 * The form usernames are compared in (case and width folded), wherever they
 * are compared: uniqueness, login, and per-user limits.
 */
export function usernameKey(username: string): string {
	return username.normalize("NFKC").toLowerCase();
}

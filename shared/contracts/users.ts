import { z } from "zod";

export const UserSchema = z
	.object({
		id: z.number().int().positive(),
		username: z.string(),
		email: z.email().optional(),
		createdAt: z.iso.datetime(),
	})
	.meta({
		id: "User",
		example: {
			id: 1,
			username: "alice",
			email: "alice@example.com",
			createdAt: "2026-01-12T09:00:00.000Z",
		},
	});

export type User = z.infer<typeof UserSchema>;

export interface NewUser {
	username: string;
	password: string;
	email?: string;
}

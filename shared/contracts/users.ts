import { z } from "zod";

export const UserSchema = z
	.object({
		id: z.number().int().positive(),
		username: z.string(),
		email: z.email().optional(),
		createdAt: z.iso.datetime(),
	})
	.meta({ id: "User" });

export type User = z.infer<typeof UserSchema>;

export interface NewUser {
	username: string;
	password: string;
	email?: string;
}

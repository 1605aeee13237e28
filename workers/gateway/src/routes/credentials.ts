import { z } from "@hono/zod-openapi";
import { printable } from "#shared/contracts/text";

/**
 * What a login takes (API v1 and the tutorial's `/register`). Looser than v1
 * registration so users registered through the tutorial (any printable name, passwords
 * like "pass123") can log in too.
 */
export const LoginFields = {
	username: printable(z.string().min(1).max(255)),
	password: z.string().min(1).max(1024),
};

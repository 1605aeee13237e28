import { z } from "zod";

const SESSION_EXAMPLE = {
	id: "9f2c4e0a1b3d5f7e9f2c4e0a1b3d5f7e",
	createdAt: "2026-01-12T09:00:00.000Z",
	lastUsedAt: "2026-01-12T09:30:00.000Z",
	current: true,
};

/** One of a user's live sessions: a login and the refresh tokens that carry it on. */
export const SessionSchema = z
	.object({
		id: z.string().meta({ example: "9f2c4e0a1b3d5f7e9f2c4e0a1b3d5f7e" }),
		createdAt: z.iso.datetime(),
		/** The session's last login or refresh. */
		lastUsedAt: z.iso.datetime(),
		/** Whether the access token of this request belongs to it. */
		current: z.boolean(),
	})
	.meta({ id: "Session", example: SESSION_EXAMPLE });

export const SessionListSchema = z
	.object({ sessions: z.array(SessionSchema) })
	.meta({ id: "SessionList", example: { sessions: [SESSION_EXAMPLE] } });

export type Session = z.infer<typeof SessionSchema>;

/** What the user worker hands out when a session starts or its refresh token rotates. */
export interface IssuedSession {
	sessionId: string;
	/** Opaque to clients; only its SHA-256 is stored. */
	refreshToken: string;
	/** Milliseconds since the epoch. */
	refreshExpiresAt: number;
}

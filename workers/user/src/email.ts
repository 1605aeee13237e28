import { logLine } from "../../../shared/log";

export interface Email {
	to: string;
	subject: string;
	text: string;
	/** The event it announces: a provider that deduplicates sends it once. */
	idempotencyKey: string;
}

/** Where the tasks consumer sends e-mail; a real provider implements this. */
export interface EmailSender {
	send(email: Email): Promise<void>;
}

/** Development's sender (and production's until a provider is wired in): the e-mail is a log line. */
export const logEmailSender: EmailSender = {
	async send({ to, subject, idempotencyKey }) {
		logLine({ service: "user", email: "sent", to, subject, idempotencyKey });
	},
};

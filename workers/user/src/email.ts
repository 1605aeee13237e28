import { logLine } from "#shared/kit/log";

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

/**
 * An address as a log line may show it: the first character of the local
 * part and the domain. Logs are kept and read by more people than the users
 * table; the whole address is personal data they do not need.
 */
export function maskedAddress(address: string): string {
	const at = address.lastIndexOf("@");
	return at < 1 ? "***" : `${address[0]}***${address.slice(at)}`;
}

/**
 * Development's sender (and production's until a provider is wired in): the
 * e-mail is a log line, with the address masked and no body.
 */
export const logEmailSender: EmailSender = {
	async send({ to, subject, idempotencyKey }) {
		logLine({ service: "user", email: "sent", to: maskedAddress(to), subject, idempotencyKey });
	},
};

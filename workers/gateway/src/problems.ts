import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RequestIdVariables } from "hono/request-id";

/**
 * Every problem the gateway answers with, by code: its `type` is
 * `/problems/<code>`. One code maps to one status, and each distinct failure
 * has its own code, so a client can tell them apart by `type` alone. The
 * document lists every one with its meaning (the Problem schema's `type`),
 * and `problemResponses` documents each response's with an example.
 */
export const PROBLEMS = {
	validation_failed: {
		status: 400,
		title: "Invalid request",
		meaning:
			"A field, parameter or header breaks the rule its schema in this document states, a " +
			"required one is missing, an unknown field was sent, or a list's `cursor` is not one " +
			"that list issued. `errors` names each one with what is wrong.",
		detail: "The request has invalid or unknown fields",
	},
	malformed_request: {
		status: 400,
		title: "Malformed request",
		meaning: "The body is not JSON, or not UTF-8.",
		detail: "Malformed JSON in request body",
	},
	// 401s, told apart by their type; the access-token ones as RFC 6750 says.
	unauthorized: {
		status: 401,
		title: "Unauthorized",
		meaning: "No access token: the Authorization header is missing or not `Bearer <token>`.",
		detail: "This needs an access token: Authorization: Bearer <token>",
	},
	invalid_token: {
		status: 401,
		title: "Invalid access token",
		meaning:
			"The access token is malformed, not signed by this API, or its session has ended " +
			"(logout, password change, deleted account): log in again.",
		detail: "The access token is invalid; log in or refresh for a new one",
	},
	token_expired: {
		status: 401,
		title: "Access token expired",
		meaning: "The access token's 15 minutes are over: refresh it for a new pair.",
		detail: "The access token expired; refresh it for a new one",
	},
	invalid_credentials: {
		status: 401,
		title: "Invalid credentials",
		meaning:
			"The username or password is wrong: one answer for an unknown user and a wrong password.",
		detail: "Invalid username or password",
	},
	invalid_refresh_token: {
		status: 401,
		title: "Invalid refresh token",
		meaning:
			"The refresh token is unknown, expired, ended, or was already used (which ends its " +
			"session): log in again.",
		detail: "The refresh token is unknown, expired or ended; log in again",
	},
	not_found: {
		status: 404,
		title: "Not found",
		meaning:
			"No such route (path and method), or no such order or session of the caller's: another " +
			"user's is not found either.",
		detail: "No such order",
	},
	username_taken: {
		status: 409,
		title: "Username taken",
		meaning: "The username is registered already, in any case (Alice and alice are one name).",
		detail: "That username is taken",
	},
	order_already_cancelled: {
		status: 409,
		title: "Order already cancelled",
		meaning: "The order was cancelled before: it stays as it is.",
		detail: "The order is already cancelled",
	},
	payload_too_large: {
		status: 413,
		title: "Payload too large",
		meaning: "The body is over 16 KiB (16,384 bytes), whatever its content.",
		detail: "The body is over 16384 bytes",
	},
	unsupported_media_type: {
		status: 415,
		title: "Unsupported media type",
		meaning: "The body is not sent as `application/json` (Content-Type).",
		detail: "Unsupported Media Type",
	},
	idempotency_key_reused: {
		status: 422,
		title: "Idempotency key reused",
		meaning: "The Idempotency-Key was used in the last 24 hours with another body.",
		detail: "This Idempotency-Key was used with another body",
	},
	rate_limited: {
		status: 429,
		title: "Too many requests",
		meaning:
			"A rate limit was reached (logins, password checks, registrations, refreshes, order " +
			"requests): `Retry-After` says how many seconds to wait.",
		detail: "Too many login attempts for this username; try again in 60 seconds",
	},
	internal_error: {
		status: 500,
		title: "Internal server error",
		meaning: "A bug in the gateway: no route documents it, and none should answer it.",
		detail: "An unexpected error occurred",
	},
	service_unavailable: {
		status: 503,
		title: "Service unavailable",
		meaning:
			"An internal service failed or did not answer in time, or token signing is not " +
			"configured: `Retry-After` says when to try again.",
		detail: "The user service is unavailable",
	},
} as const;

type ProblemCode = keyof typeof PROBLEMS;
type ProblemStatus = (typeof PROBLEMS)[ProblemCode]["status"];

interface FieldError {
	path: string;
	message: string;
}

export class ApiError extends Error {
	constructor(
		readonly code: ProblemCode,
		detail: string,
		readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
	) {
		super(detail, { cause: extra.cause });
		this.name = "ApiError";
	}
}

const CODES = Object.keys(PROBLEMS) as ProblemCode[];

/** A problem's `type`: a URI reference, relative to the API's own address. */
const typeOf = (code: ProblemCode) => `/problems/${code}` as const;

/** A request id as the gateway generates them (a caller's own well-formed one is kept). */
const EXAMPLE_REQUEST_ID = "3f8e2a1c-5b7d-4e9f-a0c6-1d2b3e4f5a6b";

/** What a problem of `code` looks like, for the document's examples. */
function exampleOf(code: ProblemCode) {
	const { status, title, detail } = PROBLEMS[code];
	return {
		type: typeOf(code),
		title,
		status,
		detail,
		requestId: EXAMPLE_REQUEST_ID,
		...(code === "validation_failed"
			? { errors: [{ path: "items.0.sku", message: "must be printable characters, not blank" }] }
			: {}),
	};
}

/** Each problem `type` with its status and meaning, as the document lists them. */
const TYPE_LIST = CODES.map(
	(code) =>
		`- \`${typeOf(code)}\` (${PROBLEMS[code].status}, ${PROBLEMS[code].title}): ${PROBLEMS[code].meaning}`,
).join("\n");

const ProblemSchema = z
	.object({
		type: z.enum(CODES.map(typeOf) as [string, ...string[]]).meta({
			format: "uri-reference",
			description: `What went wrong; one of these, each with its status:\n\n${TYPE_LIST}`,
			example: typeOf("validation_failed"),
		}),
		title: z
			.string()
			.meta({ description: "The type's short name; the same for every problem of a type." }),
		status: z.number().int().meta({ description: "The response's status code." }),
		detail: z.string().meta({ description: "What happened this time, for a person to read." }),
		requestId: z.string().meta({ description: "The response's X-Request-Id, as logs carry it." }),
		errors: z
			.array(z.object({ path: z.string(), message: z.string() }))
			.optional()
			.meta({
				description:
					"With validation_failed: each invalid field, parameter or header (a dotted path) and what is wrong with it.",
			}),
	})
	.meta({
		id: "Problem",
		description: "An RFC 9457 problem document: every error of API v1 is one.",
		example: exampleOf("validation_failed"),
	});

const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The challenge of each 401 (RFC 6750, section 3): a token that was sent and
 * failed says `invalid_token`; no token, or a failed login, says only
 * that Bearer tokens are what this API takes.
 */
const CHALLENGE: Partial<Record<ProblemCode, string>> = {
	invalid_token:
		'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
	token_expired:
		'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
};
const BEARER_CHALLENGE = 'Bearer realm="api"';

/** The problem document for `error`, with `Retry-After` and `WWW-Authenticate` where they apply. */
export function problem<E extends { Variables: RequestIdVariables }>(
	c: Context<E>,
	error: ApiError,
): Response {
	const { status, title } = PROBLEMS[error.code];
	const body = {
		type: typeOf(error.code),
		title,
		status,
		detail: error.message,
		requestId: c.var.requestId,
		...(error.extra.errors ? { errors: error.extra.errors } : {}),
	};
	const headers: Record<string, string> = { "Content-Type": PROBLEM_CONTENT_TYPE };
	const retryAfter = error.extra.retryAfterSeconds ?? (status === 503 ? RETRY_AFTER_SECONDS : null);
	if (retryAfter !== null) headers["Retry-After"] = String(retryAfter);
	if (status === 401) headers["WWW-Authenticate"] = CHALLENGE[error.code] ?? BEARER_CHALLENGE;
	return c.body(JSON.stringify(body), status, headers);
}

// What Hono's validators throw: unparseable JSON, and a body that is not JSON.
const FROM_HTTP_STATUS: Partial<Record<number, ProblemCode>> = {
	400: "malformed_request",
	415: "unsupported_media_type",
};

/** ApiErrors as they are; Hono's own HTTPExceptions (bad JSON, wrong media type) mapped; else null. */
export function asApiError(error: unknown): ApiError | null {
	if (error instanceof ApiError) return error;
	if (error instanceof HTTPException) {
		const code = FROM_HTTP_STATUS[error.status];
		return code ? new ApiError(code, error.message || PROBLEMS[code].title) : null;
	}
	return null;
}

/** `Retry-After` as a 429 or 503 documents it: whole seconds (RFC 9110, delay-seconds). */
export function retryAfterHeader(seconds: number) {
	return {
		"Retry-After": z.number().int().min(0).meta({
			description: "Seconds to wait before trying again.",
			example: seconds,
		}),
	};
}

const RESPONSE_HEADERS: Partial<Record<number, z.ZodObject>> = {
	401: z.object({
		"WWW-Authenticate": z.string().meta({
			description:
				'The Bearer challenge (RFC 6750); `error="invalid_token"` for a token that failed.',
			example: CHALLENGE.invalid_token,
		}),
	}),
	429: z.object(retryAfterHeader(60)),
	503: z.object(retryAfterHeader(RETRY_AFTER_SECONDS)),
};

/**
 * The responses a route documents for the problems it can answer with: a
 * status stands for every problem of that status, a code for that one
 * alone (where a route can answer only one of a status's problems). Each
 * response lists its types with their meaning, and has an example of each.
 */
export function problemResponses(...answers: (ProblemStatus | ProblemCode)[]) {
	const codes = CODES.filter((code) =>
		answers.some((answer) => answer === code || answer === PROBLEMS[code].status),
	);
	const statuses = [...new Set(codes.map((code) => PROBLEMS[code].status))];
	return Object.fromEntries(
		statuses.map((status) => {
			const types = codes.filter((code) => PROBLEMS[code].status === status);
			return [
				status,
				{
					description: types
						.map((code) => `\`${typeOf(code)}\`: ${PROBLEMS[code].meaning}`)
						.join("\n\n"),
					content: {
						[PROBLEM_CONTENT_TYPE]: {
							schema: ProblemSchema,
							examples: Object.fromEntries(
								types.map((code) => [
									code,
									{ summary: PROBLEMS[code].title, value: exampleOf(code) },
								]),
							),
						},
					},
					...(RESPONSE_HEADERS[status] ? { headers: RESPONSE_HEADERS[status] } : {}),
				},
			];
		}),
	);
}

/** A list's `cursor` that the list did not issue (or another list did). */
export function unknownCursor(): ApiError {
	return new ApiError("validation_failed", "The cursor is not one this API issued", {
		errors: [{ path: "cursor", message: "unknown cursor" }],
	});
}

/** The validation hook for strict routes: a 400 problem listing every invalid field. */
export function rejectInvalid(result: { success: true } | { success: false; error: z.ZodError }) {
	if (result.success) return;
	throw new ApiError("validation_failed", "The request has invalid or unknown fields", {
		errors: result.error.issues.flatMap((issue) => {
			const path = issue.path.map(String);
			// Name each unknown field rather than the object holding it.
			if (issue.code === "unrecognized_keys") {
				return issue.keys.map((key) => ({
					path: [...path, key].join("."),
					message: "unknown field",
				}));
			}
			return [{ path: path.join("."), message: issue.message }];
		}),
	});
}

import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { RequestIdVariables } from "hono/request-id";

/**
 * Every error the gateway answers with, by code. One code maps to one status;
 * the body is always an RFC 9457 problem document (see `problem`).
 */
export const PROBLEMS = {
	validation_failed: { status: 400, title: "Invalid request" },
	malformed_request: { status: 400, title: "Malformed request" },
	// 401s, told apart by their type; the access-token ones as RFC 6750 says.
	unauthorized: { status: 401, title: "Unauthorized" },
	invalid_token: { status: 401, title: "Invalid access token" },
	token_expired: { status: 401, title: "Access token expired" },
	invalid_credentials: { status: 401, title: "Invalid credentials" },
	invalid_refresh_token: { status: 401, title: "Invalid refresh token" },
	not_found: { status: 404, title: "Not found" },
	conflict: { status: 409, title: "Conflict" },
	payload_too_large: { status: 413, title: "Payload too large" },
	unsupported_media_type: { status: 415, title: "Unsupported media type" },
	idempotency_key_reused: { status: 422, title: "Idempotency key reused" },
	rate_limited: { status: 429, title: "Too many requests" },
	internal_error: { status: 500, title: "Internal server error" },
	service_unavailable: { status: 503, title: "Service unavailable" },
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

const ProblemSchema = z
	.object({
		type: z.string().meta({ format: "uri-reference", example: "/problems/validation_failed" }),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		requestId: z.string(),
		errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
	})
	.meta({ id: "Problem" });

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
		type: `/problems/${error.code}`,
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

const RESPONSE_HEADERS: Partial<Record<number, z.ZodObject>> = {
	401: z.object({ "WWW-Authenticate": z.string() }),
	429: z.object({ "Retry-After": z.string() }),
	503: z.object({ "Retry-After": z.string() }),
};

/** The responses a route documents for the problems it can answer with. */
export function problemResponses(...statuses: ProblemStatus[]) {
	return Object.fromEntries(
		[...new Set(statuses)].map((status) => [
			status,
			{
				description: Object.values(PROBLEMS)
					.filter((p) => p.status === status)
					.map((p) => p.title)
					.join(" / "),
				content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
				...(RESPONSE_HEADERS[status] ? { headers: RESPONSE_HEADERS[status] } : {}),
			},
		]),
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

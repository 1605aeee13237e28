import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { templatePattern } from "../workers/gateway/src/path-template";

/**
 * Checks gateway responses against the OpenAPI document the gateway serves,
 * with a standard JSON Schema (2020-12) validator, as a client generated from
 * that document would: the status is documented, the documented headers are
 * there, and the body matches the schema of its content type. The request
 * helpers in ./requests.ts run every response through it.
 */

type Schema = boolean | Record<string, unknown>;
interface Header {
	$ref?: string;
	required?: boolean;
	schema?: Schema;
}
/** A response as the document describes it. */
interface ResponseSpec {
	headers?: Record<string, Header>;
	content?: Record<string, { schema?: Schema }>;
}
interface Parameter {
	name: string;
	in: "path" | "query" | "header" | "cookie";
	required?: boolean;
	schema?: Schema;
}
interface Operation {
	parameters?: Parameter[];
	requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
	responses: Record<string, ResponseSpec>;
}
export interface OpenApiDocument {
	openapi: string;
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, Schema>; headers?: Record<string, Header> };
}

/**
 * A request as a client builds it from the document: the operation, and
 * the values of its parameters (path parameters decoded, header names in
 * any case) and its JSON body.
 */
export interface OutgoingRequest {
	method: string;
	template: string;
	path?: Record<string, string>;
	query?: Record<string, string>;
	header?: Record<string, string>;
	body?: unknown;
}

/** One request the gateway answered, and its answer. */
export interface Exchange {
	method: string;
	path: string;
	/** The request's headers: an OPTIONS with an Origin is a CORS preflight. */
	requestHeaders?: Headers;
	requestBody?: string;
	status: number;
	headers: Headers;
	body: string;
}

const DOCUMENT_ID = "openapi.json";
// The document's own fields, and OpenAPI's `example`: not JSON Schema keywords,
// declared so the validator can stay strict about everything else.
const OPENAPI_KEYWORDS = [
	"openapi",
	"info",
	"servers",
	"paths",
	"webhooks",
	"components",
	"security",
	"tags",
	"example",
];

/** A reference into the document: a JSON pointer, percent-encoded as a URI fragment. */
const pointer = (...segments: string[]) =>
	`${DOCUMENT_ID}#/${segments
		.map((s) => encodeURIComponent(s.replaceAll("~", "~0").replaceAll("/", "~1")))
		.join("/")}`;

const mediaType = (contentType: string | null) =>
	(contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

const isJson = (type: string) => type === "application/json" || type.endsWith("+json");

/**
 * A parameter's or header's text as its schema reads it (OpenAPI's `form`
 * and `simple` styles): the text of an integer is that integer; anything
 * else stays text, to fail an integer schema.
 */
function headerValue(value: string, schema: Schema): unknown {
	const integer = typeof schema === "object" && schema.type === "integer";
	return integer && /^-?[0-9]+$/.test(value) ? Number(value) : value;
}

/**
 * A path with its percent-encoded unreserved characters decoded: `%6F` and
 * `o` name the same path (RFC 3986, section 6.2.2.2), and the gateway
 * routes them alike.
 */
const withUnreservedDecoded = (path: string) =>
	path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
		const character = String.fromCharCode(Number.parseInt(hex, 16));
		return /^[A-Za-z0-9._~-]$/.test(character) ? character : encoded;
	});

export class Contract {
	private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
	private readonly validators = new Map<string, ValidateFunction>();
	private readonly templates: [string, RegExp][];

	constructor(readonly document: OpenApiDocument) {
		addFormats(this.ajv);
		this.ajv.addVocabulary(OPENAPI_KEYWORDS);
		this.ajv.addSchema(document, DOCUMENT_ID);
		// Literal segments win over parameters, as routers match them.
		this.templates = Object.keys(document.paths)
			.sort((a, b) => a.split("{").length - b.split("{").length)
			.map((template) => [template, templatePattern(template)]);
	}

	/** What in `exchange` departs from the document; empty when nothing does. */
	departures(exchange: Exchange): string[] {
		const method = exchange.method.toLowerCase();
		// The document's description: a CORS preflight is a 204 without a body, on any path.
		if (method === "options" && exchange.requestHeaders?.has("origin")) {
			if (exchange.status !== 204) return [`a CORS preflight answered ${exchange.status}`];
			return exchange.body === "" ? [] : [`a CORS preflight with a body: ${exchange.body}`];
		}
		// HEAD is GET without the body.
		const head = method === "head";
		const read = head ? "get" : method;
		const path = withUnreservedDecoded(exchange.path);
		const template = this.templates.find(([, pattern]) => pattern.test(path))?.[0];
		const operation = template ? this.document.paths[template]?.[read] : undefined;
		if (!template || !operation) return this.unknownRouteDepartures(exchange);

		const status = String(exchange.status);
		const range = `${status[0]}XX`;
		const key = [status, range, "default"].find((k) => k in operation.responses);
		if (!key) return [`status ${status} is not documented for ${read.toUpperCase()} ${template}`];
		const at = ["paths", template, read];
		const response = operation.responses[key] as ResponseSpec;
		return [
			...this.headerDepartures(exchange.headers, response, [...at, "responses", key]),
			...(head
				? this.emptyBodyDepartures(exchange)
				: this.bodyDepartures(exchange, response, [...at, "responses", key])),
			...(exchange.status < 300 ? this.requestDepartures(exchange, operation, at) : []),
		];
	}

	/** Every other path or method is a 404 problem document (see the document's description). */
	private unknownRouteDepartures(exchange: Exchange): string[] {
		if (exchange.status !== 404) {
			return [`${exchange.method} ${exchange.path} is no documented route, yet ${exchange.status}`];
		}
		const type = mediaType(exchange.headers.get("content-type"));
		if (type !== "application/problem+json") return [`unknown route answered with ${type}`];
		if (exchange.method.toUpperCase() === "HEAD") return this.emptyBodyDepartures(exchange);
		return this.schemaDepartures(
			pointer("components", "schemas", "Problem"),
			exchange.body,
			"body",
		);
	}

	private emptyBodyDepartures(exchange: Exchange): string[] {
		return exchange.body === ""
			? []
			: [`a HEAD answer with a body: ${exchange.body.slice(0, 100)}`];
	}

	private headerDepartures(headers: Headers, response: ResponseSpec, at: string[]): string[] {
		return Object.entries(response.headers ?? {}).flatMap(([name, declared]) => {
			// The document's shared headers are references into components.headers.
			const shared = declared.$ref?.replace("#/components/headers/", "");
			const header = shared ? this.document.components.headers?.[shared] : declared;
			if (!header) return [`header ${name} refers to ${declared.$ref}, which is not there`];
			const value = headers.get(name);
			if (value === null) return header.required ? [`header ${name} is missing`] : [];
			const schema = shared
				? pointer("components", "headers", shared, "schema")
				: pointer(...at, "headers", name, "schema");
			return header.schema === undefined
				? []
				: this.validate(schema, headerValue(value, header.schema), `header ${name}`);
		});
	}

	private bodyDepartures(exchange: Exchange, response: ResponseSpec, at: string[]): string[] {
		const type = mediaType(exchange.headers.get("content-type"));
		const content = response.content ?? {};
		if (Object.keys(content).length === 0) {
			return exchange.body === "" ? [] : [`a body where none is documented: ${exchange.body}`];
		}
		if (!(type in content)) {
			return [`content type "${type}" is not one of ${Object.keys(content).join(", ")}`];
		}
		if (content[type]?.schema === undefined) return [];
		const schema = pointer(...at, "content", type, "schema");
		return isJson(type)
			? this.schemaDepartures(schema, exchange.body, "body")
			: this.validate(schema, exchange.body, "body");
	}

	/** What in `value` departs from the schema at `at` (a path into the document), e.g. an example from its schema. */
	valueDepartures(at: string[], value: unknown): string[] {
		return this.validate(pointer(...at), value, at.join("/"));
	}

	/**
	 * What in `request` the document does not allow, as a validating client
	 * (an outside validator) finds it; empty when the document allows it.
	 * An integer parameter is read as OpenAPI writes one: decimal digits,
	 * perhaps after a minus; any other text is no integer.
	 */
	outsideDepartures(request: OutgoingRequest): string[] {
		const method = request.method.toLowerCase();
		const operation = this.document.paths[request.template]?.[method];
		if (!operation) return [`${request.method} ${request.template} is not in the document`];
		const at = ["paths", request.template, method];
		const parameters = (operation.parameters ?? []).flatMap((parameter, n) => {
			const given = Object.entries(request[parameter.in as "path" | "query" | "header"] ?? {});
			const sameName = (name: string) =>
				parameter.in === "header"
					? name.toLowerCase() === parameter.name.toLowerCase()
					: name === parameter.name;
			const value = given.find(([name]) => sameName(name))?.[1];
			const what = `${parameter.in} ${parameter.name}`;
			if (value === undefined) return parameter.required ? [`${what} is missing`] : [];
			if (parameter.schema === undefined) return [];
			return this.validate(
				pointer(...at, "parameters", String(n), "schema"),
				headerValue(value, parameter.schema),
				what,
			);
		});
		const declared = operation.requestBody?.content["application/json"];
		const body =
			request.body === undefined
				? operation.requestBody?.required
					? ["the body is missing"]
					: []
				: declared?.schema === undefined
					? []
					: this.validate(
							pointer(...at, "requestBody", "content", "application/json", "schema"),
							request.body,
							"body",
						);
		return [...parameters, ...body];
	}

	/** A request the gateway accepted must be one the document allows, or a validating client could not send it. */
	private requestDepartures(exchange: Exchange, operation: Operation, at: string[]): string[] {
		const declared = operation.requestBody?.content["application/json"];
		if (!declared?.schema || exchange.requestBody === undefined) return [];
		return this.schemaDepartures(
			pointer(...at, "requestBody", "content", "application/json", "schema"),
			exchange.requestBody,
			"request body",
		);
	}

	/** `json` parsed, then validated against the schema at `ref`. */
	private schemaDepartures(ref: string, json: string, what: string): string[] {
		let value: unknown;
		try {
			value = JSON.parse(json);
		} catch {
			return [`${what} is not JSON: ${json.slice(0, 100)}`];
		}
		return this.validate(ref, value, what);
	}

	private validate(ref: string, value: unknown, what: string): string[] {
		let validator = this.validators.get(ref);
		if (!validator) {
			validator = this.ajv.compile({ $ref: ref });
			this.validators.set(ref, validator);
		}
		if (validator(value)) return [];
		return (validator.errors ?? []).map(
			(error) => `${what}${error.instancePath} ${error.message} (${error.schemaPath})`,
		);
	}
}

/** Fails the test that received `exchange` when it departs from the document. */
export function expectConforms(contract: Contract, exchange: Exchange): void {
	const departures = contract.departures(exchange);
	if (departures.length > 0) {
		throw new Error(
			`${exchange.method} ${exchange.path} -> ${exchange.status} departs from /openapi.json:\n` +
				departures.map((d) => `  - ${d}`).join("\n"),
		);
	}
}

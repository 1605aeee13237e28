// The gateway's HTTP API as typed calls: openapi-fetch over the types that
// openapi-typescript generated from the document the gateway serves
// (schema.ts). The compiler checks each call's path, parameters and body,
// and types its answer, errors included, as that document states them.
import type { Client, ClientOptions } from "openapi-fetch";
import createFetchClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type {
	Client,
	ClientOptions,
	FetchResponse,
	Middleware,
} from "openapi-fetch";
export type { components, operations, paths } from "./schema.js";

/** One of the document's schemas by name, e.g. `Schema<"Order">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

export type GatewayClient = Client<paths>;

export interface GatewayClientOptions extends ClientOptions {
	/** Where the gateway answers: http://localhost:8787 in development, or its workers.dev URL. */
	baseUrl: string;
}

/**
 * A client of the gateway at `baseUrl`. The other options are openapi-fetch's
 * (headers sent with every request, your own `fetch`, ...); `client.use()`
 * adds middleware, e.g. one that sends the access token.
 */
export function createClient(options: GatewayClientOptions): GatewayClient {
	return createFetchClient<paths>(options);
}

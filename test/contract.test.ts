import { beforeAll, describe, expect, it } from "vitest";
import { Contract, type Exchange, expectConforms, type OpenApiDocument } from "./contract";
import { api, postJson, signUp } from "./requests";

// The check every gateway response in the suite goes through: it must pass
// what the gateway really answers and catch what departs from the document.

const items = [{ sku: "book-1", quantity: 2 }];

function exchange(
	method: string,
	path: string,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): Exchange {
	return {
		method,
		path,
		status,
		headers: new Headers({
			"Content-Type": "application/json",
			"X-Request-Id": "r-1",
			...headers,
		}),
		body: typeof body === "string" ? body : JSON.stringify(body),
	};
}

describe("the contract check", () => {
	let contract: Contract;
	let order: Record<string, unknown>;
	let orderPath: string;
	beforeAll(async () => {
		contract = new Contract((await (await api("/openapi.json")).json()) as OpenApiDocument);
		const { headers } = await signUp();
		const placed = await postJson("/api/v1/orders", { items }, headers);
		order = (await placed.json()) as Record<string, unknown>;
		orderPath = `/api/v1/orders/${order.id}`;
	});

	describe("happy", () => {
		it("passes an order as the gateway returns it", () => {
			expect(contract.departures(exchange("GET", orderPath, 200, order))).toEqual([]);
		});

		it("passes the 404 problem of a route the document does not list", async () => {
			const res = await api("/no/such/route");
			const body = await res.text();
			const answer = { status: res.status, headers: res.headers, body };
			expect(contract.departures({ method: "GET", path: "/no/such/route", ...answer })).toEqual([]);
		});
	});

	describe("errors", () => {
		it.each([
			[
				"an order id that is not a UUID",
				() => exchange("GET", orderPath, 200, { ...order, id: "42" }),
				/\/id must match format "uuid"/,
			],
			[
				"a createdAt that is not a date-time",
				() => exchange("GET", orderPath, 200, { ...order, createdAt: "yesterday" }),
				/\/createdAt must match format "date-time"/,
			],
			[
				"an order item with a field the document does not list",
				() => exchange("GET", orderPath, 200, { ...order, items: [{ ...items[0], price: 1 }] }),
				/\/items\/0 must NOT have additional properties/,
			],
			[
				"a created order without its Location",
				() => exchange("POST", "/api/v1/orders", 201, order),
				/header Location is missing/,
			],
			[
				"a response without X-Request-Id",
				() => ({
					...exchange("GET", orderPath, 200, order),
					headers: new Headers({ "Content-Type": "application/json" }),
				}),
				/header X-Request-Id is missing/,
			],
			[
				"a status the route does not document",
				() => exchange("GET", "/health", 418, {}),
				/status 418 is not documented/,
			],
			[
				"another content type",
				() => exchange("GET", orderPath, 200, "ok", { "Content-Type": "text/plain" }),
				/content type "text\/plain"/,
			],
			[
				"a problem without its requestId",
				() =>
					exchange(
						"GET",
						orderPath,
						404,
						{ type: "/problems/not_found", title: "Not found", status: 404, detail: "x" },
						{ "Content-Type": "application/problem+json" },
					),
				/must have required property 'requestId'/,
			],
			[
				"an answer other than 404 from a route the document does not list",
				() => exchange("GET", "/no/such/route", 200, {}),
				/no documented route/,
			],
			[
				"an accepted request body the document forbids",
				() => ({
					...exchange("POST", "/api/v1/orders", 201, order, { Location: orderPath }),
					requestBody: JSON.stringify({ items, coupon: "FREE" }),
				}),
				/request body must NOT have additional properties/,
			],
		])("catches %s", (_case, make, departure) => {
			const departures = contract.departures(make());
			expect(departures).toEqual(expect.arrayContaining([expect.stringMatching(departure)]));
			expect(() => expectConforms(contract, make())).toThrow(/departs from \/openapi.json/);
		});
	});
});

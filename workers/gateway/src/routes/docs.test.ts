import { describe, expect, it } from "vitest";
import { api, expectProblem } from "#test/requests";

// What a browser sends for a page, and a JSON client's preferences.
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/** The same-origin URLs the docs page loads, from its script and link tags. */
async function pageAssets(): Promise<string[]> {
	const html = await (await api("/docs")).text();
	return [...html.matchAll(/(?:src|href)="([^"]+)"/g)].flatMap(([, url]) =>
		url?.startsWith("/") ? [url] : [],
	);
}

describe("GET /", () => {
	describe("happy", () => {
		it("sends a browser to the docs", async () => {
			const res = await api("/", { headers: { Accept: BROWSER }, redirect: "manual" });
			expect(res.status).toBe(302);
			expect(res.headers.get("location")).toBe("/docs");
			expect(res.headers.get("vary")).toMatch(/(^|, )Accept(,|$)/);
			const followed = await api("/", { headers: { Accept: BROWSER } });
			expect(followed.headers.get("content-type")).toMatch(/^text\/html/);
		});

		it.each([undefined, "*/*", "application/json"])(
			"gives an API client (Accept: %s) links that answer",
			async (accept) => {
				const res = await api("/", accept ? { headers: { Accept: accept } } : {});
				expect(res.status).toBe(200);
				const { links } = (await res.json()) as { links: Record<string, string> };
				expect(links).toMatchObject({
					docs: "/docs",
					openapi: "/openapi.json",
					health: "/health",
					orders: "/api/v1/orders",
				});
				for (const link of [links.docs, links.openapi, links.health]) {
					expect((await api(link ?? "")).status, link).toBe(200);
				}
			},
		);
	});
});

describe("GET /docs", () => {
	describe("happy", () => {
		it("is Swagger UI on /openapi.json, every file from this origin", async () => {
			const res = await api("/docs");
			expect(res.headers.get("content-type")).toMatch(/^text\/html/);
			const assets = await pageAssets();
			expect(assets).toEqual([
				"/docs/swagger-ui.css",
				"/docs/swagger-ui-bundle.js",
				"/docs/init.js",
			]);
			for (const asset of assets) {
				const file = await api(asset);
				expect(file.status, asset).toBe(200);
				expect(file.headers.get("content-type"), asset).toMatch(
					asset.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
				);
			}
			expect(await (await api("/docs/init.js")).text()).toContain('url: "/openapi.json"');
		});

		it("lets a browser keep a file it has: 304 for its ETag", async () => {
			const first = await api("/docs/swagger-ui-bundle.js");
			const etag = first.headers.get("etag");
			expect(etag).toBeTruthy();
			const again = await api("/docs/swagger-ui-bundle.js", {
				headers: { "If-None-Match": etag ?? "" },
			});
			expect(again.status).toBe(304);
		});
	});

	describe("errors", () => {
		it("is a 404 problem for a file the docs do not have", async () => {
			await expectProblem(await api("/docs/nope.js"), 404);
		});
	});

	describe("security", () => {
		it("lets the page load and call only its own origin", async () => {
			const csp = (await api("/docs")).headers.get("content-security-policy") ?? "";
			expect(csp).toContain("default-src 'none'");
			expect(csp).toContain("script-src 'self'");
			expect(csp).toContain("connect-src 'self'");
			expect(csp).not.toContain("unsafe");
		});

		it("serves its files with the request id and secure headers of every response", async () => {
			const res = await api("/docs/init.js", { headers: { "x-request-id": "docs-1" } });
			expect(res.headers.get("x-request-id")).toBe("docs-1");
			expect(res.headers.get("x-content-type-options")).toBe("nosniff");
		});
	});
});

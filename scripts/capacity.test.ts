import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LIMITS, MEASURED, model, PROFILE, report, WORK } from "./capacity.mjs";

const part = (name: string, profile = PROFILE) => {
	const found = model(profile).find((p: { part: string }) => p.part.startsWith(name));
	if (!found) throw new Error(`no part named ${name}`);
	return found;
};
const utilisation = (name: string, profile = PROFILE) => {
	const u = part(name, profile).utilisation;
	if (u === null) throw new Error(`${name} has no limit to measure against`);
	return u;
};

describe("the capacity model", () => {
	it("charges a shard's D1 primary for its share of registrations and logins, and nothing for events", () => {
		const none = { ...PROFILE, registrations: 0, logins: 0, orders: 0 };
		expect(utilisation("one users shard's D1 primary", none)).toBe(0);
		expect(utilisation("one users shard's D1 primary", { ...none, orders: 1000 })).toBe(0);
		const oneLogin = utilisation("one users shard's D1 primary", { ...none, logins: 1 });
		expect(oneLogin).toBeCloseTo(
			(WORK.primaryStatementsPerLogin.value * LIMITS.d1QueryMs.value) /
				1000 /
				LIMITS.usersShards.value,
		);
		const doubled = { ...PROFILE, registrations: 10, logins: 40, orders: 100 };
		expect(utilisation("one users shard's D1 primary", doubled)).toBeCloseTo(
			utilisation("one users shard's D1 primary") * 2,
		);
	});

	it("meets its first traffic limit at 100 times the documented profile or more, with production's shards", () => {
		const rates = model(PROFILE).filter(
			(p: { kind: string; utilisation: number | null }) =>
				p.kind === "rate" && p.utilisation !== null,
		);
		for (const { part: name, utilisation: u } of rates) {
			expect((u ?? 0) * 100, name).toBeLessThanOrEqual(1);
		}
	});

	it("names a shard's D1 primary as the first traffic limit when logins grow", () => {
		const heavy = report({ ...PROFILE, logins: 100_000 });
		expect(heavy).toContain("First limit of traffic: **one users shard's D1 primary: time**");
		expect(heavy).toContain("First limit of data kept: **one users shard's D1: storage**");
	});

	it("says when a profile asks more of one user than the per-user limit allows", () => {
		const load = part("one user's OrderBook: requests", {
			...PROFILE,
			users: 10,
			orders: 500,
		}).load;
		expect(load).toContain("the rest get 429");
	});

	it("gives every input a source", () => {
		for (const [name, input] of Object.entries({ ...LIMITS, ...WORK, ...MEASURED })) {
			expect(input.value, name).toBeGreaterThan(0);
			expect(input.source, name).toMatch(
				/https:\/\/developers\.cloudflare\.com\/|npm run bench|dbstat|wrangler\.toml|workers\//,
			);
		}
	});

	it("takes CPU per request from the committed bench result", () => {
		const bench = JSON.parse(readFileSync("bench/results.json", "utf8"));
		const cpuMs = (name: string) =>
			bench.scenarios.find((s: { name: string }) => s.name === name)?.cpuMs;
		expect(MEASURED.cpuMsPerOrder.value).toBe(cpuMs("POST /api/v1/orders"));
		expect(MEASURED.cpuMsPerRead.value).toBe(cpuMs("GET /api/v1/users/me"));
		expect(MEASURED.cpuMsPerLogin.value).toBe(cpuMs("POST /api/v1/auth/login"));
		expect(MEASURED.cpuMsPerOrder.source).toContain(bench.commit.slice(0, 7));
	});

	it("is what docs/SCALING.md shows", () => {
		expect(
			readFileSync("docs/SCALING.md", "utf8"),
			"docs/SCALING.md is not the model's: run npm run capacity -- --write",
		).toContain(report(PROFILE));
	});
});

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { MAX_ATTEMPTS } from "../workers/user/src/tasks";
import { workerConfigs } from "./wrangler.mjs";

/**
 * What the wrangler configs must keep in step with the code and with each
 * other, which comments alone used to ask for.
 */

const read = (config: string, env?: string) =>
	unstable_readConfig({ config, ...(env ? { env } : {}) });
const environments = [undefined, "production"];

/** The names a worker's code reaches its bindings by, apart from the users shards' count. */
function bindingNames(config: ReturnType<typeof read>) {
	return {
		durableObjects: (config.durable_objects?.bindings ?? []).map((b) => b.name).sort(),
		services: (config.services ?? [])
			.map((s) => `${s.binding}->${s.service}#${s.entrypoint}`)
			.sort(),
		producers: (config.queues?.producers ?? []).map((p) => `${p.binding}->${p.queue}`).sort(),
		consumers: (config.queues?.consumers ?? []).map((c) => c.queue).sort(),
		ratelimits: (config.ratelimits ?? []).map((r) => r.name).sort(),
		shardsStartAtZero: config.d1_databases.every((db, i) => db.binding === `USERS_DB_${i}`),
	};
}

describe("the wrangler configs", () => {
	it("give every tasks queue one delivery more than the consumer's own attempts (MAX_ATTEMPTS)", () => {
		for (const env of environments) {
			const consumers = read(workerConfigs.user, env).queues.consumers.filter(
				(c) => c.queue !== "tasks-dlq",
			);
			expect(consumers.length, String(env)).toBeGreaterThan(0);
			for (const consumer of consumers) {
				expect(consumer.max_retries, `${env} ${consumer.queue}`).toBe(MAX_ATTEMPTS);
				expect(consumer.dead_letter_queue, `${env} ${consumer.queue}`).toBe("tasks-dlq");
			}
		}
	});

	it("bind the same names in development and production, for every worker", () => {
		for (const config of Object.values(workerConfigs)) {
			expect(bindingNames(read(config, "production")), config).toEqual(bindingNames(read(config)));
		}
	});

	it("have both workers produce to the same tasks queues, each consumed by the user worker", () => {
		for (const env of environments) {
			const queues = (config: string) =>
				read(config, env)
					.queues.producers.filter((p) => p.binding.startsWith("TASKS"))
					.map((p) => `${p.binding}->${p.queue}`)
					.sort();
			expect(queues(workerConfigs.order), String(env)).toEqual(queues(workerConfigs.user));
			const consumed = read(workerConfigs.user, env).queues.consumers.map((c) => c.queue);
			for (const producer of queues(workerConfigs.user)) {
				expect(consumed, String(env)).toContain(producer.split("->")[1]);
			}
		}
	});

	it("swap zod's locales for the gateway's English alone, by the import zod makes of them", async () => {
		const aliases = Object.entries(read(workerConfigs.gateway).alias ?? {});
		expect(aliases.length).toBeGreaterThan(0);
		const zodDir = dirname(createRequire(import.meta.url).resolve("zod/package.json"));
		const zodLocales = join(zodDir, "v4/locales/index.js");
		for (const [specifier, replacement] of aliases) {
			// An alias matches an import by its exact text, so a zod release that
			// writes the import differently would bundle every language again.
			const importers = ["v4/classic/external.js", "v4/core/index.js"].filter((file) => {
				const path = join(zodDir, file);
				return (
					readFileSync(path, "utf8").includes(`from "${specifier}"`) &&
					resolve(dirname(path), specifier) === zodLocales
				);
			});
			expect(importers, specifier).toEqual(["v4/classic/external.js", "v4/core/index.js"]);
			// What replaces them keeps English, the language every message is in.
			const english = await import(resolve(replacement));
			expect(Object.keys(english)).toEqual(["en"]);
		}
	});
});

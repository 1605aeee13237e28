// Swagger UI's files, from the swagger-ui-dist package, into the gateway's
// static assets (wrangler.toml [assets]), where GET /docs loads them from:
// the page then needs no CDN. Copied rather than committed, so upgrading the
// package upgrades the page; run before anything that serves or uploads the
// gateway (dev, build, deploy, tests).
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const FILES = ["swagger-ui-bundle.js", "swagger-ui-bundle.js.LICENSE.txt", "swagger-ui.css"];
const DESTINATION = resolve("workers/gateway/public/docs");

export function copyDocsAssets() {
	const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
	mkdirSync(DESTINATION, { recursive: true });
	for (const file of FILES) copyFileSync(join(source, file), join(DESTINATION, file));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) copyDocsAssets();

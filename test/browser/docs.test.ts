// `npm run test:browser`: the docs page as a person meets it. Starts its own
// `npm run dev` from empty state (port PORT, else a free one), opens the
// gateway's root in headless Chromium (Debian's /usr/bin/chromium, or
// CHROMIUM), follows it to /docs, checks that the v1 operations are listed,
// sends GET /health from the page with "Try it out" and reads the answer, and
// saves a screenshot to artifacts/docs.png. Any request to another origin, or
// any script error, fails it: the page must work with no network.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = resolve("artifacts/docs.png");
const SERVE_TIMEOUT_MS = 60_000;
const UI_TIMEOUT_MS = 15_000;

type Operation = { operationId: string; tags: string[] };
type Document = { paths: Record<string, Record<string, Operation>> };

function freePort(): Promise<number> {
	return new Promise((done, fail) => {
		const server = createServer().once("error", fail);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() =>
				typeof address === "object" && address ? done(address.port) : fail(address),
			);
		});
	});
}

const port = process.env.PORT ? Number(process.env.PORT) : await freePort();
const base = `http://localhost:${port}`;
const scratch = mkdtempSync(join(tmpdir(), "docs-browser-"));
let dev: ChildProcess | undefined;
let devOutput = "";
let context: BrowserContext | undefined;
let page: Page;
const offsite: string[] = [];
const scriptErrors: string[] = [];

async function serving(): Promise<void> {
	const deadline = Date.now() + SERVE_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (dev && dev.exitCode !== null) throw new Error(`npm run dev exited:\n${devOutput}`);
		const up = await fetch(`${base}/health`).then(
			(res) => res.ok,
			() => false,
		);
		if (up) return;
		await new Promise((wait) => setTimeout(wait, 250));
	}
	throw new Error(`npm run dev did not serve ${base} within ${SERVE_TIMEOUT_MS} ms:\n${devOutput}`);
}

before(async () => {
	// Its own process group, so stopping it stops wrangler and workerd too.
	dev = spawn(process.execPath, ["scripts/dev.mjs", "--port", String(port)], {
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, PERSIST_TO: join(scratch, "state") },
	});
	for (const stream of [dev.stdout, dev.stderr]) {
		stream?.on("data", (chunk: Buffer) => {
			devOutput += chunk.toString();
		});
	}
	await serving();

	context = await chromium.launchPersistentContext(join(scratch, "profile"), {
		executablePath: CHROMIUM,
		headless: true,
		viewport: { width: 1280, height: 900 },
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
	// Nothing may leave the gateway's origin; whatever tries is refused and recorded.
	await context.route("**/*", (route) => {
		const url = route.request().url();
		if (new URL(url).origin === new URL(base).origin) return route.continue();
		offsite.push(url);
		return route.abort();
	});
	page = context.pages()[0] ?? (await context.newPage());
	page.on("pageerror", (error) => scriptErrors.push(error.message));
	page.on("console", (message) => {
		if (message.type() === "error") scriptErrors.push(message.text());
	});
});

after(async () => {
	if (context) {
		mkdirSync(resolve("artifacts"), { recursive: true });
		await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => undefined);
		await context.close();
	}
	if (dev?.pid !== undefined && dev.exitCode === null) {
		const exited = new Promise((done) => dev?.once("exit", done));
		process.kill(-dev.pid, "SIGTERM");
		await exited;
	}
	rmSync(scratch, { recursive: true, force: true });
});

describe("the docs page in a browser", () => {
	it("opens from the gateway's root and lists every v1 operation", async () => {
		await page.goto(`${base}/`);
		assert.equal(new URL(page.url()).pathname, "/docs");
		await page.locator(".opblock").first().waitFor({ timeout: UI_TIMEOUT_MS });

		const document = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
		const v1 = Object.entries(document.paths)
			.filter(([path]) => path.startsWith("/api/v1/"))
			.flatMap(([, item]) => Object.values(item));
		assert.ok(v1.length >= 7, `v1 operations in the document: ${v1.length}`);
		for (const { tags, operationId } of v1) {
			// Swagger UI's id for an operation block: its tag and operationId.
			const block = page.locator(`[id="operations-${tags[0]}-${operationId}"]`);
			assert.equal(await block.isVisible(), true, `${operationId} is listed`);
		}
	});

	it("sends GET /health with Try it out and shows the answer", async () => {
		const block = page.locator('[id="operations-Health-getHealth"]');
		await block.locator(".opblock-summary-control").click();
		await block.locator("button.try-out__btn").click();
		const sent = page.waitForRequest((request) => request.url() === `${base}/health`);
		await block.locator("button.execute").click();
		await sent;

		const live = block.locator(".live-responses-table tbody");
		const status = live.locator(".response-col_status");
		await status.waitFor({ timeout: UI_TIMEOUT_MS });
		assert.equal((await status.textContent())?.trim(), "200");
		assert.match((await live.textContent()) ?? "", /"status": "ok"/);
		await block.scrollIntoViewIfNeeded();
	});

	it("needs nothing from another origin and runs without script errors", () => {
		assert.deepEqual(offsite, []);
		assert.deepEqual(scriptErrors, []);
	});
});

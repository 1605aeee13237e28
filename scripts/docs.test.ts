import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The docs hold together: the README stays the short way in and links every
 * page of docs/, every relative link resolves (to a file, and to a heading
 * where it names one), every section a code comment cites exists, and every
 * problem type the gateway answers with is explained in docs/API.md.
 */

const ROOT = resolve(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const docsPages = readdirSync(join(ROOT, "docs"))
	.filter((file) => file.endsWith(".md"))
	.map((file) => `docs/${file}`);
const markdown = ["README.md", "CONTRIBUTING.md", ...docsPages];

/** The text outside fenced code blocks. */
function prose(text: string): string {
	let fenced = false;
	return text
		.split("\n")
		.filter((line) => {
			if (/^\s*```/.test(line)) {
				fenced = !fenced;
				return false;
			}
			return !fenced;
		})
		.join("\n");
}

/** The anchors GitHub gives a page's headings (duplicates get -1, -2 ...). */
function anchors(text: string): Set<string> {
	const seen = new Map<string, number>();
	const found = new Set<string>();
	for (const [, heading = ""] of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
		const slug = heading
			.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, "")
			.replace(/\s/g, "-");
		const n = seen.get(slug) ?? 0;
		seen.set(slug, n + 1);
		found.add(n === 0 ? slug : `${slug}-${n}`);
	}
	return found;
}

/** Whether `section` is a heading of the page (or starts one), or a bold phrase in it. */
function hasSection(text: string, section: string): boolean {
	const plain = (s: string) => s.replaceAll("`", "").trim().toLowerCase();
	const headings = [...prose(text).matchAll(/^#{1,6}\s+(.+)$/gm)].map(([, h = ""]) => plain(h));
	return (
		headings.some((heading) => heading.startsWith(plain(section))) ||
		text.includes(`**${section}**`)
	);
}

/** Source and config files that may cite the docs, outside what tools generate. */
function sourceFiles(dir: string): string[] {
	const skip = new Set([
		"node_modules",
		".git",
		".wrangler",
		".tsbuild",
		"dist",
		"artifacts",
		"public",
		"docs",
	]);
	return readdirSync(join(ROOT, dir)).flatMap((name) => {
		const path = join(dir, name);
		if (skip.has(name) || name === "worker-configuration.d.ts") return [];
		if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
		return /\.(ts|mjs|js|toml|ya?ml|sh)$/.test(name) ? [path] : [];
	});
}

describe("the docs", () => {
	it("keep the README short, linking every page of docs/", () => {
		const readme = read("README.md");
		expect(readme.split("\n").length).toBeLessThanOrEqual(200);
		for (const page of docsPages) expect(readme, page).toContain(`](${page})`);
	});

	it("link only to files and headings that exist", () => {
		const broken: string[] = [];
		for (const page of markdown) {
			for (const [, target = ""] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
				if (/^[a-z]+:/i.test(target)) continue;
				const [file = "", anchor] = target.split("#");
				const path = file === "" ? page : relative(ROOT, resolve(ROOT, dirname(page), file));
				if (!existsSync(join(ROOT, path))) {
					broken.push(`${page}: ${target} (no ${path})`);
				} else if (anchor && path.endsWith(".md") && !anchors(read(path)).has(anchor)) {
					broken.push(`${page}: ${target} (no heading #${anchor} in ${path})`);
				}
			}
		}
		expect(broken).toEqual([]);
	});

	it("name only repository files and folders that exist", () => {
		// `shared/kit/retry.test.ts`, `workers/user/src/email.ts`: a path in code
		// font under a top-level folder. Globs and <placeholders> name no one
		// file, and CONTRIBUTING.md's worker recipe names the files of its
		// example `stock` worker, which a reader creates.
		const path =
			/`((?:workers|shared|scripts|test|bench|client|migrations|docs|\.github|\.ci)\/[^`\s]*)`/g;
		const missing: string[] = [];
		for (const page of markdown) {
			for (const [, named = ""] of read(page).matchAll(path)) {
				if (/[*<]/.test(named) || /\bstock\b/.test(named)) continue;
				if (!existsSync(join(ROOT, named))) missing.push(`${page}: ${named}`);
			}
		}
		expect(missing).toEqual([]);
	});

	it("have every section that code, config and docs cite by name", () => {
		// `docs/API.md, "Errors"`, `README ("Two commands")`, also across a comment's line break.
		const cited =
			/\b((?:docs\/)?[A-Z][A-Z_]*\.md|README)(?:\]\([^)]*\))?(?:,|\s)[\s/*#]*\(?"([^"\n]+)"/g;
		const missing: string[] = [];
		const files = [...sourceFiles("."), ...markdown];
		for (const file of files) {
			for (const [, doc = "", section = ""] of read(file).matchAll(cited)) {
				const name = doc === "README" ? "README.md" : doc;
				const path = [name, `docs/${name}`].find((p) => existsSync(join(ROOT, p)));
				if (!path || !hasSection(read(path), section))
					missing.push(`${file}: ${doc}, "${section}"`);
			}
		}
		expect(files.length).toBeGreaterThan(50);
		expect(missing).toEqual([]);
	});

	it("explain every problem type the gateway answers with (docs/API.md)", () => {
		// The codes of PROBLEMS in the gateway's problems.ts, read as text: this
		// program is Node's, and the gateway's source is a program of its own.
		const source = read("workers/gateway/src/problems.ts");
		const table = source.slice(source.indexOf("export const PROBLEMS"));
		const codes = [...table.slice(0, table.indexOf("} as const")).matchAll(/^\t(\w+): \{/gm)].map(
			([, code]) => code,
		);
		expect(codes.length).toBeGreaterThan(10);
		const api = read("docs/API.md");
		for (const code of codes) expect(api, code).toContain(`/problems/${code}`);
	});
});

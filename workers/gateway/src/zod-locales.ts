// What the gateway bundles as zod's `locales` (see [alias] in wrangler.toml; scripts/config.test.ts checks the alias still matches):
// English, the only language its messages are in and zod's default, instead
// of every language zod ships, a third of the bundle otherwise.
export { default as en } from "zod/v4/locales/en.js";

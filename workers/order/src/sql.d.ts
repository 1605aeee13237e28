// drizzle-kit's Durable Object migrations import SQL files as text (see the
// Text rule in wrangler.toml).
declare module "*.sql" {
	const sql: string;
	export default sql;
}

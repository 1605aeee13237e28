/** A documented path template (`/api/v1/orders/{id}`) as a pattern for request paths: `{id}` is one segment. */
export function templatePattern(template: string): RegExp {
	const escaped = template
		.split(/\{[^}]+\}/)
		.map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
		.join("[^/]+");
	return new RegExp(`^${escaped}$`);
}

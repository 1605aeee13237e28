// Baseline 1: the cheapest request workerd can serve. Every figure of the
// bench is also a ratio to this, so the cost of the runtime, the loopback and
// the load generator is visible apart from the workers' own work.
export default {
	fetch: () => new Response("Hello World!"),
};

// Bench-only: fills one user's OrderBook (the order worker's Durable Object,
// bound here by scriptName) through the same RPC method the order worker
// calls, so seeded orders are exactly what real ones are. Production code has
// no seeding path; this worker is never deployed.
const IN_FLIGHT = 256;

export default {
	/** @param {Request} request @param {{ ORDER_BOOK: DurableObjectNamespace }} env */
	async fetch(request, env) {
		const url = new URL(request.url);
		const userId = Number(url.searchParams.get("user"));
		const count = Number(url.searchParams.get("count"));
		const book = env.ORDER_BOOK.getByName(String(userId));
		const items = [{ sku: "seed", quantity: 1 }];
		const call = {
			requestId: "bench-seed",
			traceparent: `00-${"5".repeat(32)}-${"5".repeat(16)}-01`,
		};
		let next = 0;
		const lane = async () => {
			while (next < count) {
				next++;
				using _created = await book.create(call, userId, items);
			}
		};
		await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane));
		return new Response(String(count));
	},
};

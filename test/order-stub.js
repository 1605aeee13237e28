// The order worker as the user worker's tests see it: the user worker binds
// order-service (its deletion cascade erases the user's orders there), and
// its own test run has no order worker. This one records what it was asked:
// GET / answers with the user ids erased so far; POST /fail?times=N makes
// the next N calls fail, as an order worker that is down.
import { WorkerEntrypoint } from "cloudflare:workers";

const erased = [];
let failures = 0;

export class OrderService extends WorkerEntrypoint {
	async eraseOrders(_call, userId) {
		if (failures > 0) {
			failures -= 1;
			throw new Error("order worker down");
		}
		erased.push(userId);
	}

	fetch(request) {
		if (request.method === "POST") {
			failures = Number(new URL(request.url).searchParams.get("times") ?? 1);
			return new Response(null, { status: 204 });
		}
		return Response.json(erased);
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

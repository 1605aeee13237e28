// The order worker as the user worker's tests see it: the user worker binds
// order-service (its deletion cascade erases the user's orders there), and
// its own test run has no order worker. This one records what it was asked:
// GET / answers with the user ids erased so far; POST /fail?times=N makes
// the next N calls fail, as an order worker that is down. GET /redrives
// answers with the redrive steps asked for; each finds nothing to send.
import { WorkerEntrypoint } from "cloudflare:workers";

const erased = [];
const redrives = [];
let failures = 0;

export class OrderService extends WorkerEntrypoint {
	async eraseOrders(_call, userId) {
		if (failures > 0) {
			failures -= 1;
			throw new Error("order worker down");
		}
		erased.push(userId);
	}

	async redrive(_call, redrive) {
		if (failures > 0) {
			failures -= 1;
			throw new Error("order worker down");
		}
		redrives.push(redrive);
		return { books: 0, events: 0, cursor: null };
	}

	fetch(request) {
		if (request.method === "POST") {
			failures = Number(new URL(request.url).searchParams.get("times") ?? 1);
			return new Response(null, { status: 204 });
		}
		if (new URL(request.url).pathname === "/redrives") return Response.json(redrives);
		return Response.json(erased);
	}
}

export default { fetch: () => new Response(null, { status: 404 }) };

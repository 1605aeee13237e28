// A stand-in for order-service, uploaded by `npm run deploy` only when the
// account has no order-service yet (the first deploy), so that user-service,
// which binds it, can be uploaded; the real order-service replaces it in the
// same run (scripts/deploy.mjs says why). It holds nothing and serves nothing.
import { WorkerEntrypoint } from "cloudflare:workers";

const MESSAGE = "order-service is not deployed yet";

function notDeployed() {
	throw new Error(MESSAGE);
}

/** The real OrderService's RPC methods (workers/order/src/index.ts), each refusing. */
export class OrderService extends WorkerEntrypoint {
	createOrder() {
		notDeployed();
	}
	eraseOrders() {
		notDeployed();
	}
	getOrder() {
		notDeployed();
	}
	listOrders() {
		notDeployed();
	}
	cancelOrder() {
		notDeployed();
	}
	ping() {
		notDeployed();
	}
}

export default {
	fetch() {
		return new Response(MESSAGE, { status: 503, headers: { "Retry-After": "60" } });
	},
};

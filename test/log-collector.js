// A tail worker for the gateway's tests. The internal workers run beside the
// test runner, so a test cannot watch their console; this worker receives
// their log lines (it is in their `tails`) and answers GET /?traceId=... with
// the JSON lines of that trace, as Workers Logs would show them.
const lines = [];

export default {
	tail(events) {
		for (const event of events) {
			for (const log of event.logs) {
				for (const message of log.message) {
					if (typeof message === "string" && message.startsWith("{")) lines.push(message);
				}
			}
		}
	},
	fetch(request) {
		const traceId = new URL(request.url).searchParams.get("traceId");
		const trace = lines.map((line) => JSON.parse(line)).filter((line) => line.traceId === traceId);
		return Response.json(trace);
	},
};

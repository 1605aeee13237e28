import { createApp } from "./app";
import { forwardScheduled } from "./scheduled";

const app = createApp();

export default {
	fetch: app.fetch,
	scheduled: forwardScheduled,
} satisfies ExportedHandler<Env>;

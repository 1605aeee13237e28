-- Redrive requests (npm run redrive, npm run dev after a stop), carried out by the user worker's cron.
CREATE TABLE `redrive_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`since` integer NOT NULL,
	`requested_at` integer NOT NULL,
	`user_events` integer,
	`orders_cursor` text,
	`books` integer DEFAULT 0 NOT NULL,
	`order_events` integer DEFAULT 0 NOT NULL,
	`done_at` integer
);
--> statement-breakpoint
CREATE INDEX `redrive_requests_open` ON `redrive_requests` (`id`) WHERE done_at IS NULL;
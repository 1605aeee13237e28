-- Sent events stay in the outbox, marked sent, for the retention (a redrive sends them again); the rows already here are all unsent.
DROP INDEX `outbox_created_at`;--> statement-breakpoint
ALTER TABLE `outbox` ADD `sent_at` integer;--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`created_at`) WHERE sent_at IS NULL;--> statement-breakpoint
CREATE INDEX `outbox_sent` ON `outbox` (`sent_at`) WHERE sent_at IS NOT NULL;
-- Sent events leave the outbox from now on; those sent before go now, so nothing is sent twice.
DELETE FROM `outbox` WHERE `sent_at` IS NOT NULL;--> statement-breakpoint
DROP INDEX `outbox_unsent`;--> statement-breakpoint
CREATE INDEX `outbox_created_at` ON `outbox` (`created_at`);--> statement-breakpoint
ALTER TABLE `outbox` DROP COLUMN `sent_at`;
ALTER TABLE `users` ADD `token_key` text;--> statement-breakpoint
-- Users registered before token keys: a key each, so they can log in (older tokens carry none).
UPDATE `users` SET `token_key` = lower(hex(randomblob(16))) WHERE `token_key` IS NULL;
CREATE TABLE `erased` (
	`id` integer PRIMARY KEY NOT NULL,
	`erased_at` integer NOT NULL
);

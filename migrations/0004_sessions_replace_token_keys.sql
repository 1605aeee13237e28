-- Access tokens name a session in the user's Account object now, which is checked on
-- every request instead; tokens issued before carry no session and are refused.
ALTER TABLE `users` DROP COLUMN `token_key`;
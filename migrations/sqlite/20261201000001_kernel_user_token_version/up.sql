-- A user's tokens carry the version they were issued under; changing the password or disabling
-- the user raises it, and every older token is refused from the next request on.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

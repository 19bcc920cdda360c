-- A Workers AI key runs models through Cloudflare's REST API, under /accounts/{account_id}/ai/run:
-- the account's id (not a secret) is stored beside the sealed token. NULL for the other providers,
-- and for Workers AI keys saved before it existed (their test fails naming the missing field).
ALTER TABLE llm_keys ADD COLUMN account_id TEXT;

-- Push tokens of insureds' devices: {platform, token}, one row per insured and token (the token's
-- SHA-256 keys the uniqueness, so the index stays small), at most 10 per insured: registering an
-- eleventh drops the one seen least recently. Registering a known token again refreshes last_seen_at.
CREATE TABLE push_tokens (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  insured_id    TEXT NOT NULL,
  -- ios | android | web
  platform      TEXT NOT NULL,
  token         TEXT NOT NULL,
  token_sha256  TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX push_tokens_insured_token ON push_tokens (insured_id, token_sha256);
CREATE INDEX push_tokens_insured_seen ON push_tokens (insured_id, last_seen_at, id);

-- Identity: orgs, users, API keys, sessions, email verification codes and the sandbox email outbox.
-- Timestamps are ISO-8601 UTC text (`2026-01-02T03:04:05.678Z`), so they compare correctly as strings.

CREATE TABLE orgs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  slug        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX orgs_slug_unique ON orgs (slug);

CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL REFERENCES orgs (id),
  email           TEXT NOT NULL,
  name            TEXT NOT NULL,
  role            TEXT NOT NULL,
  password_hash   TEXT NOT NULL,
  email_verified  INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (email);
CREATE INDEX users_org_id_idx ON users (org_id);

CREATE TABLE api_keys (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL REFERENCES orgs (id),
  name             TEXT NOT NULL,
  key_hash         TEXT NOT NULL,
  prefix           TEXT NOT NULL,
  scopes           TEXT NOT NULL,
  rate_limit_tier  TEXT NOT NULL,
  expires_at       TEXT,
  last_used_at     TEXT,
  revoked_at       TEXT,
  rotated_from_id  TEXT,
  created_by       TEXT NOT NULL,
  created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX api_keys_key_hash_unique ON api_keys (key_hash);
CREATE INDEX api_keys_org_created_idx ON api_keys (org_id, created_at, id);
-- A key is rotated at most once: a second successor for the same key fails here, race-free.
CREATE UNIQUE INDEX api_keys_rotated_from_id_unique ON api_keys (rotated_from_id);

CREATE TABLE sessions (
  id          TEXT PRIMARY KEY,
  token_hash  TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at  TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash_unique ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE verification_codes (
  user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  code_hash   TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  expires_at  TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

CREATE TABLE outbox_emails (
  id          TEXT PRIMARY KEY,
  org_id      TEXT,
  to_address  TEXT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX outbox_emails_to_created_idx ON outbox_emails (to_address, created_at, id);
CREATE INDEX outbox_emails_created_idx ON outbox_emails (created_at, id);

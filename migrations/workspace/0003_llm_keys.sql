-- Bring-your-own LLM keys (`llk_`): one per org and provider, the key sealed with AES-256-GCM under
-- CONNECTOR_ENCRYPTION_KEY (the key id as additional data), never stored or returned in the clear.
CREATE TABLE llm_keys (
  id                TEXT PRIMARY KEY,
  org_id            TEXT NOT NULL,
  provider          TEXT NOT NULL CHECK (provider IN ('openai', 'anthropic', 'workers_ai')),
  model             TEXT,
  key_ciphertext    TEXT NOT NULL,
  last4             TEXT NOT NULL,
  last_test_status  TEXT CHECK (last_test_status IN ('ok', 'failed')),
  last_test_http_status INTEGER,
  last_test_error   TEXT,
  last_tested_at    TEXT,
  created_by        TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX llm_keys_org_provider_unique ON llm_keys (org_id, provider);

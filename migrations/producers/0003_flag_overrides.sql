-- Feature flags: an org's override of a flag of the committed catalogue (workers/_shared/flags.catalogue.ts).
-- No row means the global default. Written only through the org's FlagStore Durable Object, which keeps
-- the org's rows in memory (workers/producers/src/flag-store.do.ts). `value` is the JSON of the value.

CREATE TABLE flag_overrides (
  id         TEXT PRIMARY KEY, -- flg_
  org_id     TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  -- The credential that last wrote it (a user's id, an API key's id, or system).
  updated_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX flag_overrides_org_key ON flag_overrides (org_id, key);

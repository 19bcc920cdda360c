-- An org's sandbox clock (POST /v1/sandbox/clock): how far the org's date rules run from real time.
-- No row means real time. Read only where sandbox clocks are enabled (development and tests).
CREATE TABLE sandbox_clocks (
  org_id      TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
  offset_ms   INTEGER NOT NULL,
  updated_at  TEXT NOT NULL
);

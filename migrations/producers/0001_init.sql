-- Producers: the org's agents and brokers with their state licenses and commission rates (JSON,
-- replaced wholly by an update), and their carrier appointments. Timestamps are ISO-8601 UTC text;
-- license and appointment days are YYYY-MM-DD.

CREATE TABLE producers (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL,
  name             TEXT NOT NULL,
  email            TEXT NOT NULL,
  -- National Producer Number: 1-10 digits, unique in the org.
  npn              TEXT NOT NULL,
  agency           TEXT,
  -- active | suspended | terminated
  status           TEXT NOT NULL,
  licenses         TEXT NOT NULL, -- JSON [{state, lines, number, expiresOn}], one per state
  commission_rates TEXT NOT NULL, -- JSON {GL?: {newBusiness, renewal}, PROP?: ..., CA?: ...}, percentages
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX producers_npn ON producers (org_id, npn);
CREATE INDEX producers_org_created ON producers (org_id, created_at, id);
CREATE INDEX producers_org_status_created ON producers (org_id, status, created_at, id);

CREATE TABLE appointments (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  producer_id   TEXT NOT NULL REFERENCES producers (id),
  carrier       TEXT NOT NULL,
  state         TEXT NOT NULL,
  lines         TEXT NOT NULL, -- JSON ["GL", ...]
  -- pending | active | terminated
  status        TEXT NOT NULL,
  requested_on  TEXT NOT NULL,
  activated_on  TEXT,
  terminated_on TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX appointments_producer_created ON appointments (org_id, producer_id, created_at, id);

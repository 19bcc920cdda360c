-- Deal rooms: the directory of rooms per org, for listing, filtering and tenancy checks.
-- Each room's messages live in its own Durable Object (DealRoom, SQLite-backed), not here.
-- Timestamps are ISO-8601 UTC text, so they compare correctly as strings.

CREATE TABLE rooms (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  name           TEXT NOT NULL,
  submission_id  TEXT,
  -- JSON array of participant ids (user / key ids or emails); always includes the creator.
  participants   TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX rooms_org_created ON rooms (org_id, created_at, id);
CREATE INDEX rooms_org_submission_created ON rooms (org_id, submission_id, created_at, id);

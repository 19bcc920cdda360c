-- The orphan sweep (workers/documents/src/orphans.service.ts): where the last run of a sweep over the
-- R2 bucket stopped, so each cron run reads one page and the next one carries on. One row per sweep.

CREATE TABLE sweep_cursors (
  name TEXT PRIMARY KEY,
  -- The last object key read; NULL when the next run starts from the beginning of the bucket.
  after_key TEXT,
  updated_at TEXT NOT NULL
);

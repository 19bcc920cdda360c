-- Certificates of insurance: one row per certificate issued, linked to its `coi` document. A
-- certificate is never updated or deleted; a new certificate is a new row and a new document.
-- Numbers are COI-{year}-{seq:06}, gap-free per org and year: a certificate takes MAX(seq) + 1 of its
-- org and year, and the unique index makes two that read the same MAX collide, so the loser's whole
-- batch (document row and event included) rolls back and it retries with the next number. A number
-- is therefore consumed only by a batch that commits.
CREATE TABLE certificates (
  id                         TEXT PRIMARY KEY,
  org_id                     TEXT NOT NULL,
  year                       INTEGER NOT NULL,
  seq                        INTEGER NOT NULL,
  number                     TEXT NOT NULL,
  policy_id                  TEXT NOT NULL,
  policy_number              TEXT NOT NULL,
  document_id                TEXT NOT NULL,
  -- {"name", "address": {"line1", "line2"?, "city", "state", "postalCode"}}
  holder                     TEXT NOT NULL,
  description_of_operations  TEXT,
  additional_insured         INTEGER NOT NULL,
  waiver_of_subrogation      INTEGER NOT NULL,
  created_by                 TEXT NOT NULL,
  created_at                 TEXT NOT NULL
);
CREATE UNIQUE INDEX certificates_org_year_seq ON certificates (org_id, year, seq);
CREATE INDEX certificates_org_policy_created ON certificates (org_id, policy_id, created_at, id);

-- The event outbox (workers/_shared/outbox.ts): document.generated, in the same batch as the document.
CREATE TABLE events (
  id                TEXT PRIMARY KEY,
  org_id            TEXT NOT NULL,
  type              TEXT NOT NULL,
  data              TEXT NOT NULL,
  created_at        TEXT NOT NULL,
  relay_claimed_at  TEXT,
  relayed_at        TEXT
);
CREATE INDEX events_org_created ON events (org_id, created_at, id);
CREATE INDEX events_unrelayed ON events (relayed_at, created_at);

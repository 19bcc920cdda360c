-- Documents: one row per stored file, the bytes in R2 under orgs/{org_id}/documents/{id}.
-- A row is written only after its object is; a document is never updated (a new file is a new id).
-- Timestamps are ISO-8601 UTC text, so they compare correctly as strings.

CREATE TABLE documents (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  -- coi | mcs90 | invoice | declarations | rendered | upload | claim_attachment
  kind           TEXT NOT NULL,
  filename       TEXT NOT NULL,
  -- Detected from the bytes, never the client's header.
  content_type   TEXT NOT NULL,
  size           INTEGER NOT NULL,
  -- Lowercase hex SHA-256 of the bytes; also the download's ETag.
  sha256         TEXT NOT NULL,
  policy_id      TEXT,
  submission_id  TEXT,
  claim_id       TEXT,
  invoice_id     TEXT,
  created_by     TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX documents_org_created ON documents (org_id, created_at, id);
CREATE INDEX documents_org_policy_created ON documents (org_id, policy_id, created_at, id);
CREATE INDEX documents_org_kind_created ON documents (org_id, kind, created_at, id);

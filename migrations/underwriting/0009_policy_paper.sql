-- Policy paper: the declarations page of every bind and endorsement, and the MCS-90 of a commercial
-- auto policy. A job row is written in the same batch as its transaction (so paper exists exactly
-- when the transaction committed), then issued by the documents worker, once per source key
-- ({policy_id}:{seq}:{kind}); the cron retries rows still pending. Rows are never deleted: an earlier
-- issue stays listed on the policy after a later one replaces it.
CREATE TABLE policy_documents (
  org_id             TEXT NOT NULL,
  source_key         TEXT NOT NULL,
  policy_id          TEXT NOT NULL,
  -- declarations | mcs90
  kind               TEXT NOT NULL,
  transaction_id     TEXT NOT NULL,
  -- The transaction's seq on the policy's timeline: the latest issue of a kind is the current one.
  seq                INTEGER NOT NULL,
  transaction_type   TEXT NOT NULL,
  endorsement_number INTEGER,
  effective_date     TEXT NOT NULL,
  -- The template data as of the transaction (JSON); the producer's name is added when it is issued.
  data               TEXT NOT NULL,
  -- pending | issued
  status             TEXT NOT NULL,
  document_id        TEXT,
  attempts           INTEGER NOT NULL DEFAULT 0,
  last_error         TEXT,
  created_at         TEXT NOT NULL,
  issued_at          TEXT,
  PRIMARY KEY (org_id, source_key)
);
CREATE INDEX policy_documents_policy ON policy_documents (policy_id, seq);
CREATE INDEX policy_documents_pending ON policy_documents (status, attempts, created_at);

-- A commercial auto submission that carries hazardous materials (0/1): its MCS-90 states $5,000,000.
ALTER TABLE submissions ADD COLUMN hazmat INTEGER NOT NULL DEFAULT 0;

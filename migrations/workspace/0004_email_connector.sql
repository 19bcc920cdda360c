-- The email connector: the org's named templates (`etp_`) and the log (`elg_`) of every email the
-- org sent through it, with the outbox's message id.
CREATE TABLE email_templates (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  name        TEXT NOT NULL,
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  variables   TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX email_templates_org_name_unique ON email_templates (org_id, name);
CREATE INDEX email_templates_org_created_idx ON email_templates (org_id, created_at, id);

CREATE TABLE email_logs (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  to_address  TEXT NOT NULL,
  subject     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  template    TEXT,
  status      TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  message_id  TEXT,
  error       TEXT,
  sent_by     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX email_logs_org_created_idx ON email_logs (org_id, created_at, id);

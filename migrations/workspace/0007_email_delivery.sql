-- The email connector's log now holds every email of the org (the platform's own and connector
-- sends), keyed by the platform outbox's id (`email_id`, `eml_…`), and follows each to delivery:
-- `message_id` is the provider's id once sent, `attempts` counts delivery attempts.
ALTER TABLE email_logs ADD COLUMN email_id TEXT;
ALTER TABLE email_logs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_logs ADD COLUMN updated_at TEXT;
-- NULLs are distinct in a SQLite unique index: a send that could not be queued has no email_id.
CREATE UNIQUE INDEX email_logs_email_id_unique ON email_logs (email_id);

-- Rows written before the email queue existed named the outbox id as their message id. No provider
-- ever sent them (the sandbox email log still shows them in development).
UPDATE email_logs
SET email_id = message_id,
    message_id = NULL,
    status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
    error = CASE WHEN status = 'queued' THEN 'written before email delivery existed: never sent by a provider' ELSE error END,
    updated_at = created_at
WHERE message_id LIKE 'eml_%';

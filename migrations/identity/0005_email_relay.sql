-- Every outbox email now travels on the email queue to the workspace worker (its connector log and
-- the provider). A row records the template it was rendered from, who sent it through the connector,
-- and when it was handed to the queue; the sweep relays rows the prompt send missed, claiming each
-- first so two sweeps do not both send it.
ALTER TABLE outbox_emails ADD COLUMN template TEXT;
ALTER TABLE outbox_emails ADD COLUMN sent_by TEXT;
ALTER TABLE outbox_emails ADD COLUMN relayed_at TEXT;
ALTER TABLE outbox_emails ADD COLUMN relay_claimed_at TEXT;

-- Emails written before the queue existed are history, not mail to send now.
UPDATE outbox_emails SET relayed_at = created_at WHERE relayed_at IS NULL;

CREATE INDEX outbox_emails_unrelayed_idx ON outbox_emails (created_at, id) WHERE relayed_at IS NULL;

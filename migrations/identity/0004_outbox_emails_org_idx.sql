-- The purge of a deleted workspace (workers/_shared/purge.ts) deletes the org's email log in
-- batches of `WHERE org_id = ? LIMIT 500`: an index on org_id keeps each batch from scanning the log.
CREATE INDEX outbox_emails_org_idx ON outbox_emails (org_id);

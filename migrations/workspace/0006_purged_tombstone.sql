-- Data retention: 30 days after its soft delete (`purge_after`) a workspace's data is purged in
-- every worker, and `purged_at` records when that finished. The row itself stays as the tombstone,
-- so the org id is never reused and the purge job never picks it again.
ALTER TABLE workspaces ADD COLUMN purged_at TEXT;

-- The purge job's question: deleted workspaces past their retention and not yet purged, oldest first.
CREATE INDEX workspaces_purge_due_idx ON workspaces (purge_after) WHERE deleted_at IS NOT NULL AND purged_at IS NULL;

-- Policy paper (declarations pages, MCS-90s) is issued for underwriting, which may ask twice for the
-- same piece (a retry after a lost answer, the cron sweep racing a prompt issue). Each piece has a
-- source key unique within its org, so the second ask finds the first document instead of a new one.
-- Uploads and other documents have none.
ALTER TABLE documents ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX documents_org_source_key ON documents (org_id, source_key) WHERE source_key IS NOT NULL;

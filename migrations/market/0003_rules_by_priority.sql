-- Quoting reads an org's enabled, undeleted rules in priority order on every quote: one index serves it.
CREATE INDEX rules_org_priority ON rules (org_id, priority, created_at, id) WHERE deleted_at IS NULL;

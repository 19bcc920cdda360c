-- Workspace: each org's plan and settings, and the usage integrators record themselves.
-- Timestamps are ISO-8601 UTC text, so they compare correctly as strings.

-- One row per org once its plan or settings were written; no row is the defaults (plan `starter`,
-- timezone UTC, locale en-US, active). `deleted_at` is the soft delete: the org's credentials are
-- refused from then on and its data is kept until `purge_after` (30 days later).
CREATE TABLE workspaces (
  org_id       TEXT PRIMARY KEY,
  plan         TEXT NOT NULL CHECK (plan IN ('free', 'starter', 'pro', 'enterprise')),
  timezone     TEXT NOT NULL,
  locale       TEXT NOT NULL,
  deleted_at   TEXT,
  purge_after  TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  updated_by   TEXT NOT NULL
);
CREATE INDEX workspaces_deleted_idx ON workspaces (deleted_at);

-- Every POST /v1/entitlements/usage that was admitted: the count itself lives in the org's
-- UsageMeter object; this is the record of what was counted and why (the integrator's metadata).
CREATE TABLE usage_records (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  feature     TEXT NOT NULL,
  quantity    INTEGER NOT NULL,
  period      TEXT NOT NULL,
  metadata    TEXT,
  actor       TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX usage_records_org_created_idx ON usage_records (org_id, created_at, id);

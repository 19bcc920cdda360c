-- Team invitations (`itn_`): one row per invitation, its token stored as SHA-256 only. `status` is
-- stored as pending | accepted | revoked | expired; a pending row past `expires_at` reads as expired
-- (and is stored so when a new invitation for the address is sent).
CREATE TABLE invitations (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  email        TEXT NOT NULL,
  role         TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
  token_hash   TEXT NOT NULL,
  invited_by   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  member_id    TEXT,
  accepted_at  TEXT,
  revoked_at   TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX invitations_org_created_idx ON invitations (org_id, created_at, id);
-- One pending invitation per address and org: a second invite races into this index, not past it.
CREATE UNIQUE INDEX invitations_pending_unique ON invitations (org_id, email) WHERE status = 'pending';

-- Who was removed from the team, by whom and when: identity deletes the user, this keeps the record.
CREATE TABLE member_removals (
  user_id     TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  email       TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL,
  revoked_api_keys INTEGER NOT NULL,
  removed_by  TEXT NOT NULL,
  removed_at  TEXT NOT NULL
);
CREATE INDEX member_removals_org_idx ON member_removals (org_id, removed_at);

-- Partners (issue 18): referral partners, their codes, the clicks on their links, the attribution
-- events their integrations report, each submission's attribution, and partner commissions.

CREATE TABLE partners (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  name TEXT NOT NULL,
  contact_email TEXT NOT NULL,
  landing_url TEXT NOT NULL,
  -- Basis points of written premium: 0..5000 (0-50%, two decimals exactly).
  commission_rate_bps INTEGER NOT NULL CHECK (commission_rate_bps BETWEEN 0 AND 5000),
  status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'revoked')),
  default_code TEXT NOT NULL,
  invited_at TEXT,
  -- SHA-256 of the last invitation's token (the link to create the partner's login) and its expiry.
  invitation_token_hash TEXT,
  invitation_expires_at TEXT,
  revoked_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX partners_org_created ON partners (org_id, created_at, id);

-- Codes are unique across the platform: the public link names no org. The landing URL and status are
-- kept on the code (written with the partner's in one batch), so the click router reads one row by key.
CREATE TABLE referral_codes (
  code TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  partner_id TEXT NOT NULL REFERENCES partners (id),
  landing_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at TEXT NOT NULL
);
CREATE INDEX referral_codes_partner ON referral_codes (partner_id, created_at, code);

-- One row per click, by the id the router gave it (a redelivered message inserts nothing).
-- Never the raw address: keyed hashes of the IP and user agent.
CREATE TABLE clicks (
  id TEXT NOT NULL PRIMARY KEY,
  code TEXT NOT NULL,
  org_id TEXT NOT NULL,
  partner_id TEXT NOT NULL,
  clicked_at TEXT NOT NULL,
  referrer TEXT,
  ip_hash TEXT NOT NULL,
  user_agent_hash TEXT
);
CREATE INDEX clicks_code ON clicks (code);

-- What partners' integrations report; one per (org, externalId), with the first answer kept verbatim.
CREATE TABLE attribution_events (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  external_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('click', 'lead', 'quote', 'bind')),
  partner_id TEXT NOT NULL,
  code TEXT,
  submission_id TEXT,
  occurred_at TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX attribution_events_external ON attribution_events (org_id, external_id);
CREATE INDEX attribution_events_submission ON attribution_events (org_id, submission_id, occurred_at);

-- Each submission's attribution as last computed, and whether underwriting has recorded it.
CREATE TABLE attributions (
  submission_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  partner_id TEXT,
  code TEXT,
  touched_at TEXT,
  submission_created_at TEXT NOT NULL,
  synced_at TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX attributions_unsynced ON attributions (updated_at) WHERE synced_at IS NULL;

-- One commission per policy transaction of an attributed policy.
CREATE TABLE partner_commissions (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  partner_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  policy_number TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  transaction_id TEXT NOT NULL UNIQUE,
  transaction_seq INTEGER NOT NULL,
  transaction_type TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  booked_on TEXT NOT NULL,
  rate_bps INTEGER NOT NULL,
  premium_delta_cents INTEGER NOT NULL,
  commission_cents INTEGER NOT NULL,
  paid_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX partner_commissions_org ON partner_commissions (org_id, created_at, id);
CREATE INDEX partner_commissions_partner ON partner_commissions (org_id, partner_id, created_at, id);
CREATE INDEX partner_commissions_policy ON partner_commissions (org_id, policy_id, transaction_seq);

-- Events from underwriting already handled, by event id.
CREATE TABLE processed_events (
  event_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  processed_at TEXT NOT NULL
);

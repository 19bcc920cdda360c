-- Claims: one row per claim with its current figures, and append-only history beside it (activity,
-- reserve transactions, payments, settlements, attachments). Money is integer cents; timestamps are
-- ISO-8601 UTC text (they compare correctly as strings); loss dates are YYYY-MM-DD.

CREATE TABLE claims (
  id                          TEXT PRIMARY KEY,
  org_id                      TEXT NOT NULL,
  -- CLM-{loss_year}-{seq, 6 digits}: seq comes from claim_number_sequences in the filing's batch.
  claim_number                TEXT NOT NULL,
  loss_year                   INTEGER NOT NULL,
  -- open | investigating | in_settlement | settled | denied | closed
  status                      TEXT NOT NULL,
  policy_id                   TEXT NOT NULL,
  policy_number               TEXT NOT NULL,
  line_of_business            TEXT NOT NULL,
  loss_date                   TEXT NOT NULL,
  description                 TEXT NOT NULL,
  cause_of_loss               TEXT NOT NULL,
  loss_location               TEXT NOT NULL, -- JSON {line1, line2?, city, state, postalCode}
  claimant                    TEXT NOT NULL, -- JSON {name, email?, phone?}
  reported_by                 TEXT,
  estimated_loss_cents        INTEGER,
  police_report_number        TEXT,
  adjuster_id                 TEXT,
  -- The policy's per-occurrence limit and deductible when the claim was filed.
  policy_limit_cents          INTEGER NOT NULL,
  deductible_cents            INTEGER,
  indemnity_paid_cents        INTEGER NOT NULL DEFAULT 0,
  indemnity_outstanding_cents INTEGER NOT NULL DEFAULT 0 CHECK (indemnity_outstanding_cents >= 0),
  expense_paid_cents          INTEGER NOT NULL DEFAULT 0,
  expense_outstanding_cents   INTEGER NOT NULL DEFAULT 0 CHECK (expense_outstanding_cents >= 0),
  denial_reason               TEXT,
  -- policy | loss date | normalised location: what makes two FNOLs the same loss.
  dedupe_key                  TEXT NOT NULL,
  -- dedupe_key while the claim is open and was not filed with confirmDistinct; NULL otherwise.
  -- Unique, so two concurrent filings of the same loss cannot both commit.
  dedupe_slot                 TEXT,
  -- Moves n -> n + 1 with every change, in the batch that inserts activity seq n + 1.
  version                     INTEGER NOT NULL,
  created_at                  TEXT NOT NULL,
  updated_at                  TEXT NOT NULL
);
CREATE UNIQUE INDEX claims_number ON claims (org_id, claim_number);
CREATE UNIQUE INDEX claims_open_duplicate ON claims (org_id, dedupe_slot) WHERE dedupe_slot IS NOT NULL;
CREATE INDEX claims_org_created ON claims (org_id, created_at, id);
CREATE INDEX claims_org_status_created ON claims (org_id, status, created_at, id);
CREATE INDEX claims_org_policy_created ON claims (org_id, policy_id, created_at, id);
CREATE INDEX claims_org_adjuster_created ON claims (org_id, adjuster_id, created_at, id);
CREATE INDEX claims_org_dedupe ON claims (org_id, dedupe_key);

-- The last claim number issued per org and loss year; moved in the filing's own batch, so a filing
-- that does not commit consumes no number (gap-free).
CREATE TABLE claim_number_sequences (
  org_id     TEXT NOT NULL,
  year       INTEGER NOT NULL,
  last_value INTEGER NOT NULL,
  PRIMARY KEY (org_id, year)
);

-- The claim's append-only log: one row per change, seq = the claim's version after it. The primary
-- key is what settles a race: two changes read at version n both insert seq n + 1, and the second
-- batch rolls back whole.
CREATE TABLE claim_activity (
  claim_id     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  org_id       TEXT NOT NULL,
  type         TEXT NOT NULL,
  -- The claim's status after the change (portfolio analytics count open claims as of a date by it).
  status_after TEXT NOT NULL,
  actor        TEXT NOT NULL,
  details      TEXT NOT NULL, -- JSON
  created_at   TEXT NOT NULL,
  PRIMARY KEY (claim_id, seq)
);
CREATE INDEX claim_activity_org_created ON claim_activity (org_id, created_at);

-- Every change of an outstanding reserve (set, drawn down by a payment, released). Append-only.
CREATE TABLE claim_reserve_transactions (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL,
  claim_id       TEXT NOT NULL,
  cost_type      TEXT NOT NULL, -- indemnity | expense
  previous_cents INTEGER NOT NULL,
  new_cents      INTEGER NOT NULL,
  delta_cents    INTEGER NOT NULL,
  source         TEXT NOT NULL, -- reserve | payment | settlement | denial | close
  reason         TEXT,
  actor          TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
CREATE INDEX claim_reserve_transactions_claim ON claim_reserve_transactions (claim_id, created_at, id);
CREATE INDEX claim_reserve_transactions_org_created ON claim_reserve_transactions (org_id, created_at);

CREATE TABLE claim_payments (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  claim_id      TEXT NOT NULL,
  cost_type     TEXT NOT NULL,
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  payee         TEXT NOT NULL,
  reference     TEXT,
  settlement_id TEXT,
  actor         TEXT NOT NULL,
  created_at    TEXT NOT NULL
);
CREATE INDEX claim_payments_claim ON claim_payments (claim_id, created_at, id);
CREATE INDEX claim_payments_org_created ON claim_payments (org_id, created_at);

CREATE TABLE claim_settlements (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL,
  claim_id         TEXT NOT NULL,
  status           TEXT NOT NULL, -- offered | accepted
  amount_cents     INTEGER NOT NULL,
  deductible_cents INTEGER NOT NULL,
  net_cents        INTEGER NOT NULL,
  payee            TEXT NOT NULL,
  notes            TEXT,
  payment_id       TEXT,
  accepted_at      TEXT,
  actor            TEXT NOT NULL,
  created_at       TEXT NOT NULL
);
CREATE INDEX claim_settlements_claim ON claim_settlements (claim_id, created_at, id);

-- Files attached to a claim: the bytes and metadata live in the documents worker (kind
-- claim_attachment); this row is the claim's own record of it, with the uploader.
CREATE TABLE claim_attachments (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  claim_id     TEXT NOT NULL,
  document_id  TEXT NOT NULL,
  filename     TEXT NOT NULL,
  size         INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  sha256       TEXT NOT NULL,
  uploaded_by  TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX claim_attachments_document ON claim_attachments (org_id, document_id);
CREATE INDEX claim_attachments_claim_created ON claim_attachments (claim_id, created_at, id);

-- The outbox (workers/_shared/outbox.ts): claim.* events, written in the batch of their change.
CREATE TABLE events (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL,
  type             TEXT NOT NULL,
  data             TEXT NOT NULL,
  created_at       TEXT NOT NULL,
  relay_claimed_at TEXT,
  relayed_at       TEXT
);
CREATE INDEX events_org_created ON events (org_id, created_at, id);
CREATE INDEX events_unrelayed ON events (relayed_at, created_at);

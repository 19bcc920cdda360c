-- Quotes, bind, policy transactions, referrals and delegated authority.

ALTER TABLE submissions ADD COLUMN current_quote_id TEXT;
ALTER TABLE submissions ADD COLUMN policy_id TEXT;
ALTER TABLE submissions ADD COLUMN renewal_of_policy_id TEXT;
-- How the submission arrived: {source: "json" | "acord125", fields: [...], missing: [...]}.
ALTER TABLE submissions ADD COLUMN intake TEXT;
CREATE INDEX submissions_renewal_of ON submissions (renewal_of_policy_id);

CREATE TABLE quotes (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  status TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  gross_premium_cents INTEGER NOT NULL,
  total_due_cents INTEGER NOT NULL,
  -- The whole RatingResult: factor waterfall, taxes, fees, exposure (cents).
  rating TEXT NOT NULL,
  rate_table_version TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  da_agreement_id TEXT,
  within_authority INTEGER NOT NULL,
  authority_reasons TEXT NOT NULL DEFAULT '[]',
  referral_id TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX quotes_submission ON quotes (org_id, submission_id, created_at);

ALTER TABLE policies ADD COLUMN quote_id TEXT NOT NULL DEFAULT '';
ALTER TABLE policies ADD COLUMN annual_premium_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN written_premium_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN limit_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN deductible_cents INTEGER;
ALTER TABLE policies ADD COLUMN rate_table_version TEXT NOT NULL DEFAULT '';
-- What the premium was rated on (naics, revenue, property values, vehicles, loss history), for endorsements.
ALTER TABLE policies ADD COLUMN exposure TEXT NOT NULL DEFAULT '{}';
-- {effectiveDate, method, reason, returnPremiumCents} while cancelled.
ALTER TABLE policies ADD COLUMN cancellation TEXT;
ALTER TABLE policies ADD COLUMN renewal_of_policy_id TEXT;
ALTER TABLE policies ADD COLUMN renewed_by_policy_id TEXT;
ALTER TABLE policies ADD COLUMN da_agreement_id TEXT;
-- Optimistic concurrency: every transaction bumps it; see policy_transactions.seq.
ALTER TABLE policies ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- One policy per submission: a second bind of the same submission fails its whole batch.
CREATE UNIQUE INDEX policies_submission_unique ON policies (submission_id);
CREATE INDEX policies_org_status ON policies (org_id, status, created_at);

-- Gap-free policy numbers per org, line and effective year. Incremented in the bind's own batch,
-- so a failed bind rolls its number back.
CREATE TABLE policy_number_sequences (
  org_id TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  year INTEGER NOT NULL,
  last_value INTEGER NOT NULL,
  PRIMARY KEY (org_id, line_of_business, year)
);

-- The append-only timeline. (policy_id, seq) is unique, and seq is the policy version the
-- transaction produced, so two concurrent transactions on one policy cannot both commit.
CREATE TABLE policy_transactions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  premium_delta_cents INTEGER NOT NULL,
  actor TEXT NOT NULL,
  details TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (policy_id, seq)
);
CREATE INDEX policy_transactions_policy ON policy_transactions (org_id, policy_id, created_at, id);

CREATE TABLE installments (
  policy_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  due_date TEXT NOT NULL,
  premium_cents INTEGER NOT NULL,
  fee_cents INTEGER NOT NULL,
  PRIMARY KEY (policy_id, number)
);

CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  quote_id TEXT,
  status TEXT NOT NULL,
  reasons TEXT NOT NULL,
  deal_room_id TEXT,
  created_by TEXT NOT NULL,
  decision TEXT,
  decided_by TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  decided_at TEXT
);
CREATE INDEX referrals_org_created ON referrals (org_id, created_at, id);
CREATE INDEX referrals_submission ON referrals (org_id, submission_id);

CREATE TABLE da_agreements (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  carrier TEXT NOT NULL,
  program TEXT NOT NULL,
  line_of_business TEXT,
  max_limit_per_risk_cents INTEGER NOT NULL,
  states TEXT NOT NULL,
  naics_prefixes TEXT NOT NULL,
  aggregate_cap_cents INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX da_agreements_org_created ON da_agreements (org_id, created_at, id);

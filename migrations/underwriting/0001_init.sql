-- Underwriting: submissions, policies and the domain-event outbox.
-- Money columns are integer cents; dates are YYYY-MM-DD; timestamps ISO-8601 UTC text.

CREATE TABLE submissions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  status TEXT NOT NULL,
  insured_name TEXT NOT NULL,
  naics_code TEXT NOT NULL,
  annual_revenue_cents INTEGER NOT NULL,
  requested_limit_cents INTEGER NOT NULL,
  deductible_cents INTEGER,
  effective_date TEXT NOT NULL,
  expiration_date TEXT NOT NULL,
  state TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  insured_email TEXT,
  producer_id TEXT,
  property_values_cents INTEGER,
  vehicle_count INTEGER,
  years_in_business INTEGER,
  prior_losses TEXT NOT NULL DEFAULT '[]',
  notes TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX submissions_org_created ON submissions (org_id, created_at, id);
CREATE INDEX submissions_org_status ON submissions (org_id, status, created_at);

CREATE TABLE policies (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  policy_number TEXT NOT NULL,
  status TEXT NOT NULL,
  submission_id TEXT NOT NULL,
  insured_name TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  state TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  expiration_date TEXT NOT NULL,
  gross_premium_cents INTEGER NOT NULL,
  installment_plan TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (org_id, policy_number)
);
CREATE INDEX policies_org_created ON policies (org_id, created_at, id);

-- Transactional outbox: every state change writes its event in the same batch.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX events_org_created ON events (org_id, created_at, id);

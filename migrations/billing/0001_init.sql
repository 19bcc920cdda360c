-- The billing worker's database: invoices that follow each policy's money (DECISIONS.md, "Billing").
-- Money is integer cents; timestamps ISO-8601 UTC text; due dates YYYY-MM-DD.

-- One row per policy billing has seen: the last transaction of its timeline invoiced
-- (`applied_seq`), and a version every write to the policy's invoices moves, so a batch built
-- from a stale read is refused (guard) rather than overwriting a concurrent one.
CREATE TABLE billing_policies (
  policy_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  policy_number TEXT NOT NULL,
  applied_seq INTEGER NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE invoices (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  policy_number TEXT NOT NULL,
  -- INV-{year}-{6 digits}, gap-free per org and year (invoice_number_sequences)
  number TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('installment', 'additional_premium', 'earned_premium', 'reissue')),
  installment_number INTEGER,
  transaction_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'void', 'uncollectible')),
  due_date TEXT NOT NULL,
  -- [{kind, description, amountCents}]
  lines TEXT NOT NULL,
  total_cents INTEGER NOT NULL,
  premium_cents INTEGER NOT NULL,
  premium_credited_cents INTEGER NOT NULL DEFAULT 0,
  charges_waived_cents INTEGER NOT NULL DEFAULT 0,
  paid_cents INTEGER NOT NULL DEFAULT 0,
  refunded_cents INTEGER NOT NULL DEFAULT 0,
  voided_by_transaction_id TEXT,
  voided_premium_cents INTEGER NOT NULL DEFAULT 0,
  reissue_of TEXT,
  reissued_as TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  paid_at TEXT,
  voided_at TEXT,
  -- What an invoice may never hold, whatever a bug writes: more collected than it nets.
  CHECK (paid_cents - refunded_cents >= 0),
  CHECK (paid_cents - refunded_cents <= total_cents - premium_credited_cents - charges_waived_cents)
);
CREATE UNIQUE INDEX invoices_org_number ON invoices (org_id, number);
CREATE INDEX invoices_org_created ON invoices (org_id, created_at, id);
CREATE INDEX invoices_policy ON invoices (org_id, policy_id, created_at, id);
CREATE INDEX invoices_org_due ON invoices (org_id, status, due_date);

-- Every movement of money on an invoice: credits (return premium, voids), payments, refunds.
CREATE TABLE invoice_entries (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('credit', 'payment', 'refund')),
  amount_cents INTEGER NOT NULL,
  -- credits: the premium and the charges (fees, taxes) they took off
  premium_cents INTEGER NOT NULL DEFAULT 0,
  charges_cents INTEGER NOT NULL DEFAULT 0,
  method TEXT,
  reference TEXT,
  received_at TEXT,
  reason TEXT,
  transaction_id TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX invoice_entries_invoice ON invoice_entries (invoice_id, created_at, id);

CREATE TABLE invoice_number_sequences (
  org_id TEXT NOT NULL,
  year INTEGER NOT NULL,
  last_number INTEGER NOT NULL,
  PRIMARY KEY (org_id, year)
);

-- The consumer's memory: one row per domain event handled, so a redelivered event does nothing.
CREATE TABLE processed_events (
  event_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  policy_id TEXT,
  processed_at TEXT NOT NULL
);

-- The outbox (workers/_shared/outbox.ts).
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at TEXT NOT NULL,
  relay_claimed_at TEXT,
  relayed_at TEXT
);
CREATE INDEX events_org_created ON events (org_id, created_at, id);
CREATE INDEX events_unrelayed ON events (relayed_at, created_at);

-- A table that can never hold a row (workers/_shared/db.ts `guard`).
CREATE TABLE batch_guards (
  name TEXT NOT NULL,
  CONSTRAINT batch_guard CHECK (0)
);

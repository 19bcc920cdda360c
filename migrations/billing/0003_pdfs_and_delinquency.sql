-- Invoice PDFs and delinquency (DECISIONS.md, "Billing" and "Documents").

-- Each invoice's PDF, stored by the documents worker (kind `invoice`). The invoice row is its own
-- job: an invoice without `document_id` is pending, so no invoice is ever left without its PDF
-- (one committed before this migration included). A failed issue waits `pdf_next_attempt_at`
-- (a minute after the first failure, doubling to an hour) and is never given up.
ALTER TABLE invoices ADD COLUMN document_id TEXT;
ALTER TABLE invoices ADD COLUMN pdf_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN pdf_last_error TEXT;
ALTER TABLE invoices ADD COLUMN pdf_next_attempt_at TEXT;
CREATE INDEX invoices_pdf_pending ON invoices (pdf_attempts, created_at) WHERE document_id IS NULL;

-- When the delinquency job found the invoice still unpaid its org's grace days after its due date
-- and emitted `invoice.overdue` (once: set in the same batch as the event, only while NULL).
ALTER TABLE invoices ADD COLUMN overdue_notified_at TEXT;
ALTER TABLE invoices ADD COLUMN overdue_grace_days INTEGER;
CREATE INDEX invoices_delinquency_candidates ON invoices (due_date) WHERE status = 'open' AND overdue_notified_at IS NULL;
CREATE INDEX invoices_policy_overdue ON invoices (org_id, policy_id) WHERE status = 'open' AND overdue_notified_at IS NOT NULL;

-- Per-org billing settings; an org without a row runs on the defaults (grace_days 15).
CREATE TABLE billing_settings (
  org_id TEXT NOT NULL PRIMARY KEY,
  grace_days INTEGER NOT NULL CHECK (grace_days BETWEEN 1 AND 90),
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

-- One row per delinquent policy: where the delinquency job has taken it. Every move is a
-- conditional update from the state it was read in, so two runs never both act:
--   notifying            an invoice is overdue; underwriting is to mark the policy and the insured is to get the notice
--   pending_cancellation marked, notice queued; cancelled on cancel_on unless every overdue invoice is paid first
--   cancelled            cancelled for non_payment (cancellation_transaction_id)
--   lifted               paid in time: active again (a later overdue invoice starts a new round)
--   closed               nothing to do: the policy was cancelled otherwise, expired, or refused the move (closed_reason)
CREATE TABLE policy_delinquency (
  org_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('notifying', 'pending_cancellation', 'cancelled', 'lifted', 'closed')),
  invoice_id TEXT NOT NULL,
  since TEXT NOT NULL,
  notice_date TEXT,
  cancel_on TEXT,
  notice_email_id TEXT,
  notice_recipient TEXT,
  cancellation_transaction_id TEXT,
  closed_reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  next_attempt_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org_id, policy_id)
);
CREATE INDEX policy_delinquency_open ON policy_delinquency (state, cancel_on) WHERE state IN ('notifying', 'pending_cancellation');

-- The cron's memory of its daily work: the last UTC day the delinquency pass completed with nothing left.
CREATE TABLE billing_job_runs (
  job TEXT NOT NULL PRIMARY KEY,
  last_completed_day TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- A receipt to the insured for each payment recorded on an invoice (manual or card), once: the row
-- is written in the same batch as the payment entry, keyed by it, and the receipt pass
-- (payment-receipts.ts) emails it through the platform's outbox (the payment_receipt template) and
-- records the email's id. A pass claims a row before sending; a failed send waits and is retried.
CREATE TABLE payment_receipts (
  payment_id      TEXT NOT NULL PRIMARY KEY,
  org_id          TEXT NOT NULL,
  invoice_id      TEXT NOT NULL,
  policy_id       TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  -- pending: to send; sent: emailed (email_id); no_recipient: the policy names no insured email.
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'no_recipient')),
  email_id        TEXT,
  claimed_at      TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  next_attempt_at TEXT,
  sent_at         TEXT
);
CREATE INDEX payment_receipts_pending ON payment_receipts (next_attempt_at, created_at) WHERE state = 'pending';

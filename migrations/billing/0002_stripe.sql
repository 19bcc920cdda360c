-- Card payments through Stripe (DECISIONS.md, "Billing"): customers, PaymentIntents, the Stripe
-- events received, and card refunds. Money is integer cents; timestamps ISO-8601 UTC text.

-- One Stripe customer per org and insured (`insured_key`: the insured's email when billing knows
-- one, else `name:` + the normalized named insured), created once with an idempotency key.
CREATE TABLE stripe_customers (
  org_id TEXT NOT NULL,
  insured_key TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, insured_key)
);

-- One row per PaymentIntent of an invoice. `attempt` numbers them per invoice (1, 2, …) and makes
-- the Stripe idempotency key (`oi-pi-{invoiceId}-{attempt}`), so a retry after an outage asks for
-- the same PaymentIntent. `status` mirrors Stripe's; `succeeded` and `canceled` are final and no
-- later (or late) event moves a row out of them.
CREATE TABLE payment_intents (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  customer_id TEXT,
  amount_cents INTEGER NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  client_secret TEXT NOT NULL,
  -- the payment method last confirmed with: what a retry confirms again
  payment_method TEXT,
  failure_code TEXT,
  failure_message TEXT,
  failed_at TEXT,
  -- how many times `retry` (or the automatic retry) confirmed it again: the confirm's idempotency key
  confirmations INTEGER NOT NULL DEFAULT 0,
  auto_retried_at TEXT,
  -- the `created` (unix seconds) of the newest Stripe event applied, so an older one arriving late changes nothing
  last_event_created INTEGER NOT NULL DEFAULT 0,
  -- the card payment recorded on the invoice (invoice_entries.id) once it succeeded
  payment_entry_id TEXT,
  disputed_at TEXT,
  dispute_id TEXT,
  -- moved by every write: a change decided on a stale read is refused and decided again
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX payment_intents_attempt ON payment_intents (invoice_id, attempt);
CREATE INDEX payment_intents_org_invoice ON payment_intents (org_id, invoice_id, attempt);
CREATE INDEX payment_intents_failed ON payment_intents (status, failed_at) WHERE failed_at IS NOT NULL AND auto_retried_at IS NULL;

-- The card money received: one row per succeeded PaymentIntent, written in the batch that records
-- the payment on the invoice. Its primary key is what makes a payment recorded once, whether the
-- answer of the confirm, `payment_intent.succeeded` or a charge event gets there first.
CREATE TABLE card_payments (
  payment_intent_id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  payment_entry_id TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX card_payments_invoice ON card_payments (invoice_id);

-- An invoice whose card payment is disputed (`charge.dispute.created`) is flagged.
ALTER TABLE invoices ADD COLUMN disputed_at TEXT;

-- Every Stripe event accepted (signature verified), once by its id: a redelivery finds its row and
-- does nothing. `outcome` says what it did (applied, stale, unknown_payment_intent, ignored).
CREATE TABLE stripe_events (
  id TEXT NOT NULL PRIMARY KEY,
  type TEXT NOT NULL,
  org_id TEXT,
  payment_intent_id TEXT,
  created INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  received_at TEXT NOT NULL
);

-- The card part of each refund entry on an invoice paid by card: one row per refund entry and
-- PaymentIntent it draws on, written before Stripe is asked (the entry id is the idempotency key),
-- so a refund is sent to Stripe exactly once whatever fails. `payment_intent_id` NULL is the part
-- refunded by hand (cheque, wire), which goes to no provider.
CREATE TABLE card_refunds (
  id TEXT NOT NULL PRIMARY KEY,
  org_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  refund_entry_id TEXT NOT NULL,
  payment_intent_id TEXT,
  amount_cents INTEGER NOT NULL,
  -- pending (not yet accepted by Stripe), succeeded, failed, manual
  status TEXT NOT NULL,
  stripe_refund_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- set when `charge.refunded` confirmed Stripe holds it
  confirmed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX card_refunds_entry_intent ON card_refunds (refund_entry_id, COALESCE(payment_intent_id, ''));
CREATE INDEX card_refunds_pending ON card_refunds (status, updated_at);
CREATE INDEX card_refunds_intent ON card_refunds (payment_intent_id);

-- Commissions (issue 14): one row per premium-bearing transaction of a producer's policy, with its
-- inputs, and the summary rows kept in the same batch (org × month × producer × line) so that the
-- analytics read sums at most a year of them instead of scanning the rows. Also: the link from a
-- `producer` user to the producer record it sells as, the license-expiry notices (one per license),
-- and the outbox for this worker's events (workers/_shared/outbox.ts).

CREATE TABLE commissions (
  id                  TEXT PRIMARY KEY,
  org_id              TEXT NOT NULL,
  producer_id         TEXT NOT NULL REFERENCES producers (id),
  policy_id           TEXT NOT NULL,
  policy_number       TEXT NOT NULL,
  -- The underwriting transaction (txn_) it accrues on: at most one row each.
  transaction_id      TEXT NOT NULL,
  transaction_seq     INTEGER NOT NULL,
  -- new_business | endorsement | cancellation | reinstatement | renewal
  transaction_type    TEXT NOT NULL,
  line_of_business    TEXT NOT NULL,
  effective_date      TEXT NOT NULL, -- the transaction's effective date, YYYY-MM-DD
  booked_on           TEXT NOT NULL, -- the day the transaction was written (its org's clock), YYYY-MM-DD
  month               TEXT NOT NULL, -- YYYY-MM of booked_on: the summary row it counts in
  -- new_business | renewal: which of the producer's rates for the line applies to the term
  rate_kind           TEXT NOT NULL,
  rate_bps            INTEGER NOT NULL CHECK (rate_bps BETWEEN 0 AND 5000), -- the percentage × 100
  premium_delta_cents INTEGER NOT NULL,
  -- premium_delta_cents × rate_bps / 10000, rounded half-up (on the magnitude) once
  commission_cents    INTEGER NOT NULL,
  created_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX commissions_transaction ON commissions (org_id, transaction_id);
CREATE INDEX commissions_producer_created ON commissions (org_id, producer_id, created_at, id);
CREATE INDEX commissions_policy_seq ON commissions (org_id, policy_id, transaction_seq);

CREATE TABLE commission_summaries (
  org_id                TEXT NOT NULL,
  month                 TEXT NOT NULL,
  producer_id           TEXT NOT NULL,
  line_of_business      TEXT NOT NULL,
  written_premium_cents INTEGER NOT NULL,
  commission_cents      INTEGER NOT NULL,
  transaction_count     INTEGER NOT NULL,
  PRIMARY KEY (org_id, month, producer_id, line_of_business)
) WITHOUT ROWID;

-- The user (usr_) who sells as this producer, when one does: a `producer` user sees only this book.
ALTER TABLE producers ADD COLUMN user_id TEXT;
CREATE UNIQUE INDEX producers_user ON producers (org_id, user_id) WHERE user_id IS NOT NULL;

-- `producer.license_expiring` raised once per license: its state and the expiry it warned of.
CREATE TABLE license_expiry_notices (
  org_id      TEXT NOT NULL,
  producer_id TEXT NOT NULL,
  state       TEXT NOT NULL,
  expires_on  TEXT NOT NULL,
  event_id    TEXT NOT NULL,
  notified_at TEXT NOT NULL,
  PRIMARY KEY (producer_id, state, expires_on)
) WITHOUT ROWID;

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

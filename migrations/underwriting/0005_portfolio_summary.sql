-- Summary rows that portfolio analytics and DA utilisation read instead of scanning every policy.
-- Each policy transaction updates them in its own batch (workers/underwriting/src/portfolio-summary.ts
-- explains the daily-increment scheme that keeps earned premium "as of" any date exact).

-- Written premium and policy count per org, line and state.
CREATE TABLE portfolio_totals (
  org_id TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  state TEXT NOT NULL,
  written_cents INTEGER NOT NULL,
  policy_count INTEGER NOT NULL,
  PRIMARY KEY (org_id, line_of_business, state)
) WITHOUT ROWID;

-- Per day: the increase in earned premium and in active policies ('0000-00-00' holds premium
-- earned at once). Earned as of D = sum of rows on days <= D.
CREATE TABLE portfolio_daily (
  org_id TEXT NOT NULL,
  day TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  state TEXT NOT NULL,
  earned_cents INTEGER NOT NULL,
  active_delta INTEGER NOT NULL,
  PRIMARY KEY (org_id, day, line_of_business, state)
) WITHOUT ROWID;

-- The same increments summed per month (YYYY-MM), so a read adds whole months and one month of days.
CREATE TABLE portfolio_monthly (
  org_id TEXT NOT NULL,
  month TEXT NOT NULL,
  line_of_business TEXT NOT NULL,
  state TEXT NOT NULL,
  earned_cents INTEGER NOT NULL,
  active_delta INTEGER NOT NULL,
  PRIMARY KEY (org_id, month, line_of_business, state)
) WITHOUT ROWID;

-- Premium bound under each delegated authority agreement, and when it first crossed 85% of its cap.
CREATE TABLE da_agreement_usage (
  agreement_id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  written_cents INTEGER NOT NULL,
  limit_approaching_at TEXT
);

-- The policy list filtered by line and state, or by status, pages from an index in keyset order.
CREATE INDEX policies_org_line_state_created ON policies (org_id, line_of_business, state, created_at, id);
CREATE INDEX policies_org_status_created ON policies (org_id, status, created_at, id);

-- Backfill from the transactions already stored: each transaction's daily increments of earned
-- premium (rounded half-up on the cumulative figure, as analytics defines it), a cancelled
-- policy's increments folded into its cancellation date, and +1/-1 active on the term's bounds.
-- Scratch tables, dropped at the end.
CREATE TABLE _backfill_tx AS
SELECT p.org_id, p.id AS policy_id, p.line_of_business AS line, p.state, t.effective_date AS eff,
  t.premium_delta_cents AS delta,
  cast(julianday(p.expiration_date) - julianday(t.effective_date) AS integer) AS span,
  CASE WHEN p.status = 'cancelled' THEN json_extract(p.cancellation, '$.effectiveDate') END AS cancelled_on
FROM policy_transactions t JOIN policies p ON p.id = t.policy_id AND p.org_id = t.org_id
WHERE t.premium_delta_cents != 0;

-- Day numbers 1..the longest span left to run.
CREATE TABLE _backfill_days (k INTEGER PRIMARY KEY);
INSERT INTO _backfill_days (k)
WITH RECURSIVE n (k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < (SELECT max(span) FROM _backfill_tx))
SELECT k FROM n WHERE EXISTS (SELECT 1 FROM _backfill_tx WHERE span > 0);

-- Day k of a transaction earns round(|delta| k / span) - round(|delta| (k - 1) / span), with its sign.
CREATE TABLE _backfill_increments AS
SELECT org_id, policy_id, line, state, cancelled_on, date(eff, '+' || k || ' days') AS day,
  (CASE WHEN delta < 0 THEN -1 ELSE 1 END)
    * ((abs(delta) * k * 2 + span) / (2 * span) - (abs(delta) * (k - 1) * 2 + span) / (2 * span)) AS cents
FROM _backfill_tx JOIN _backfill_days ON k <= span
WHERE span > 0
UNION ALL
SELECT org_id, policy_id, line, state, cancelled_on, '0000-00-00', delta FROM _backfill_tx WHERE span <= 0;

INSERT INTO portfolio_daily (org_id, day, line_of_business, state, earned_cents, active_delta)
SELECT org_id, day, line, state, sum(earned), sum(active) FROM (
  SELECT org_id, line, state, day, cents AS earned, 0 AS active FROM _backfill_increments
    WHERE cancelled_on IS NULL OR day < cancelled_on
  UNION ALL
  SELECT p.org_id, p.line_of_business, p.state, json_extract(p.cancellation, '$.effectiveDate'),
    p.written_premium_cents - coalesce(b.before, 0), 0
  FROM policies p LEFT JOIN (
    SELECT policy_id, sum(cents) AS before FROM _backfill_increments
    WHERE cancelled_on IS NOT NULL AND day < cancelled_on GROUP BY policy_id
  ) b ON b.policy_id = p.id
  WHERE p.status = 'cancelled' AND p.cancellation IS NOT NULL
  UNION ALL
  SELECT org_id, line_of_business, state, effective_date, 0, 1 FROM policies WHERE status = 'active'
  UNION ALL
  SELECT org_id, line_of_business, state, expiration_date, 0, -1 FROM policies WHERE status = 'active'
)
GROUP BY org_id, day, line, state
HAVING sum(earned) != 0 OR sum(active) != 0;

INSERT INTO portfolio_monthly (org_id, month, line_of_business, state, earned_cents, active_delta)
SELECT org_id, substr(day, 1, 7), line_of_business, state, sum(earned_cents), sum(active_delta) FROM portfolio_daily
GROUP BY org_id, substr(day, 1, 7), line_of_business, state
HAVING sum(earned_cents) != 0 OR sum(active_delta) != 0;

INSERT INTO portfolio_totals (org_id, line_of_business, state, written_cents, policy_count)
SELECT org_id, line_of_business, state, sum(written_premium_cents), count(*) FROM policies GROUP BY org_id, line_of_business, state;

INSERT INTO da_agreement_usage (agreement_id, org_id, written_cents, limit_approaching_at)
SELECT a.id, a.org_id,
  coalesce((SELECT sum(p.gross_premium_cents) FROM policies p WHERE p.org_id = a.org_id AND p.da_agreement_id = a.id), 0),
  (SELECT min(e.created_at) FROM events e
    WHERE e.org_id = a.org_id AND e.type = 'da.limit_approaching' AND json_extract(e.data, '$.daAgreementId') = a.id)
FROM da_agreements a;

DROP TABLE _backfill_increments;
DROP TABLE _backfill_days;
DROP TABLE _backfill_tx;

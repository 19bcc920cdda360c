-- Notifications to insureds (payment due in 3 days, payment failed, claim status changed, certificate
-- ready), each recorded once per cause: the cause key (`payment_due:{invoiceId}:{dueDate}`,
-- `event:{eventId}`, `certificate:{certificateId}`) is unique per org, so a redelivered event or a
-- second cron pass finds the row and sends nothing again. A row is claimed (claimed_at) by the pass
-- delivering it and marked delivered_at once its email is queued and its pushes are attempted; a pass
-- that died mid-way leaves it undelivered with a stale claim, and the cause's next arrival (a queue
-- retry, the next cron tick) delivers it.
CREATE TABLE notifications (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL,
  insured_id    TEXT NOT NULL,
  -- payment_due | payment_failed | claim_status | certificate_ready
  kind          TEXT NOT NULL,
  cause_key     TEXT NOT NULL,
  title         TEXT NOT NULL,
  body          TEXT NOT NULL,
  -- JSON object of strings: what a client opens (invoiceId, policyId, claimId, documentId, …)
  data          TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  claimed_at    TEXT,
  delivered_at  TEXT,
  -- the outbox email's id, once queued
  email_id      TEXT
);
CREATE UNIQUE INDEX notifications_org_cause ON notifications (org_id, cause_key);
CREATE INDEX notifications_insured_created ON notifications (insured_id, created_at, id);

-- Every push attempt: to FCM in production (status sent | failed, FCM's message name or its error), and
-- in development the sandbox push log (status sandbox), readable with the API secret at
-- GET /v1/sandbox/push. The token itself is not kept here, only which registration it was.
CREATE TABLE push_deliveries (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL,
  insured_id       TEXT NOT NULL,
  notification_id  TEXT NOT NULL,
  push_token_id    TEXT NOT NULL,
  platform         TEXT NOT NULL,
  -- sandbox | sent | failed
  status           TEXT NOT NULL,
  title            TEXT NOT NULL,
  body             TEXT NOT NULL,
  data             TEXT NOT NULL,
  provider_id      TEXT,
  error            TEXT,
  created_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX push_deliveries_notification_token ON push_deliveries (notification_id, push_token_id);
CREATE INDEX push_deliveries_org_created ON push_deliveries (org_id, created_at, id);
CREATE INDEX push_deliveries_insured_created ON push_deliveries (insured_id, created_at, id);

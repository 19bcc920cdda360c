-- Webhooks: endpoints, the org's event log, deliveries (one per event and endpoint) and every attempt.
-- Timestamps are ISO-8601 UTC text.

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  description TEXT,
  -- JSON array of subscriptions: exact event types, `family.*` or `*`.
  events TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- Why the platform disabled it: gone (the receiver answered 410) | failing (5 days of failed attempts);
  -- null while enabled or when a user disabled it.
  disabled_reason TEXT,
  disabled_at TEXT,
  -- AES-256-GCM sealed signing secrets (secret-box.ts); null once the endpoint is deleted.
  secret_ciphertext TEXT,
  previous_secret_ciphertext TEXT,
  previous_secret_expires_at TEXT,
  -- Deliveries that succeeded / failed for good.
  success_count INTEGER NOT NULL DEFAULT 0,
  failure_count INTEGER NOT NULL DEFAULT 0,
  -- Failed attempts since the last success.
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  -- When the current run of failed attempts began; cleared by any success.
  failing_since TEXT,
  last_delivery_at TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX webhook_endpoints_org_created ON webhook_endpoints (org_id, created_at, id);

-- The org's event log: every event this worker ingested or raised, with the exact body it delivers.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  type TEXT NOT NULL,
  -- The worker whose outbox recorded it (underwriting), or webhooks for its own events.
  source TEXT NOT NULL,
  -- The envelope serialized once; the signed bytes and the sent bytes are this text.
  body TEXT NOT NULL,
  -- The envelope's timestamp (when it happened); lists sort on it.
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX events_org_created ON events (org_id, created_at, id);
CREATE INDEX events_org_type_created ON events (org_id, type, created_at, id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
  event_id TEXT NOT NULL REFERENCES events (id),
  event_type TEXT NOT NULL,
  -- pending | retrying | succeeded | failed
  status TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  -- attempt_count when the current retry schedule began: 0, or where a manual retry restarted it.
  schedule_start INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  -- Set by a manual retry: delivery messages published before it belong to a superseded schedule.
  requeued_at TEXT,
  dead_lettered_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- One delivery per (event, endpoint): a redelivered event message cannot fan out twice.
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint_created ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint_status ON webhook_deliveries (endpoint_id, status, created_at, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt of a delivery. The key makes a duplicated delivery message lose the race to record attempt n.
CREATE TABLE webhook_delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  duration_ms INTEGER NOT NULL,
  -- At most 512 characters of the response body.
  response_excerpt TEXT,
  error TEXT,
  attempted_at TEXT NOT NULL,
  next_attempt_at TEXT,
  PRIMARY KEY (delivery_id, attempt)
);

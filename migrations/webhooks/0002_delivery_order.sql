-- Ordered delivery per subject (workers/webhooks/src/ordering.ts): a delivery is attempted only when no
-- earlier event (occurred_at, then event_id) of the same subject has an unfinished delivery to the
-- same endpoint.

-- The entity the event is about (`claim:clm_…`, subject.ts); null: never ordered. Rows from before this
-- migration keep null, so a delivery already in flight at deploy is neither held nor holds others.
ALTER TABLE webhook_deliveries ADD COLUMN subject TEXT;
-- The event's envelope timestamp (ISO-8601 UTC, as events.created_at): its place in the subject's order.
ALTER TABLE webhook_deliveries ADD COLUMN occurred_at TEXT;
UPDATE webhook_deliveries SET occurred_at = (SELECT e.created_at FROM events e WHERE e.id = webhook_deliveries.event_id);

-- Only unfinished deliveries of a subject hold others, so only they are indexed; the gate's one query
-- (the first unfinished delivery of the endpoint's subject) is a seek into this index, in its order.
CREATE INDEX webhook_deliveries_subject_unfinished
  ON webhook_deliveries (endpoint_id, subject, occurred_at, event_id)
  WHERE subject IS NOT NULL AND status IN ('pending', 'retrying');

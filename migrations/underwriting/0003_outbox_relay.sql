-- Outbox relay: an event is claimed, sent to the webhook queue, then marked relayed. A claim older
-- than a minute without `relayed_at` (a crash between claim and send) is picked up again.
ALTER TABLE events ADD COLUMN relay_claimed_at TEXT;
ALTER TABLE events ADD COLUMN relayed_at TEXT;
CREATE INDEX events_unrelayed ON events (relayed_at, created_at);

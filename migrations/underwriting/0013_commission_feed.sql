-- The commission feed (issue 14): each premium-bearing policy event is handed to the producers
-- worker (ProducersInternal.recordCommissions) after it commits, and marked here once producers has
-- recorded it (or its policy has no producer). The partial index holds only the events still to
-- hand over, so the cron's sweep reads them without scanning the outbox.
ALTER TABLE events ADD COLUMN commissions_fed_at TEXT;
CREATE INDEX events_commissions_unfed ON events (created_at, id)
  WHERE commissions_fed_at IS NULL
    AND type IN ('policy.bound', 'policy.endorsed', 'policy.cancelled', 'policy.reinstated', 'policy.renewed');

-- Events written before the feed whose policy has no producer have nothing to hand over.
UPDATE events SET commissions_fed_at = created_at
WHERE type IN ('policy.bound', 'policy.endorsed', 'policy.cancelled', 'policy.reinstated', 'policy.renewed')
  AND NOT EXISTS (
    SELECT 1 FROM policies p JOIN submissions s ON s.id = p.submission_id
    WHERE p.id = json_extract(events.data, '$.policyId') AND s.producer_id IS NOT NULL
  );

-- A `producer` user's book: the submissions (and through them the policies) of one producer.
CREATE INDEX submissions_org_producer_created ON submissions (org_id, producer_id, created_at, id);

-- Turning a client into a submission: the submission is created in underwriting between a claim on
-- the client (so two requests at once create one submission, not two) and the link that marks it
-- converted. A claim older than a minute is stale (its request died) and may be taken over.
ALTER TABLE clients ADD COLUMN conversion_claim TEXT;       -- the converting request's token, NULL when none
ALTER TABLE clients ADD COLUMN conversion_claimed_at TEXT;  -- when it was taken (ISO-8601 UTC)
ALTER TABLE clients ADD COLUMN converted_at TEXT;           -- when the submission was linked

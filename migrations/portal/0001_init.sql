-- The policyholder portal's own data: one-time sign-in codes and their sends, and the profile changes
-- an insured makes. Insureds themselves (one per org and email) and their policies are underwriting's.
-- Emails are normalised (trimmed, lower case); timestamps are ISO-8601 UTC text.

-- A sign-in code: 6 digits, stored only as HMAC-SHA-256 (keyed from JWT_SECRET) of "<id>:<code>".
-- Valid until expires_at (10 minutes), for 5 attempts; used once; a newer code for the same email and
-- org voids it.
CREATE TABLE otp_codes (
  id          TEXT PRIMARY KEY,
  email       TEXT NOT NULL,
  org_id      TEXT NOT NULL,
  insured_id  TEXT NOT NULL,
  code_hash   TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0 CHECK (attempts BETWEEN 0 AND 5),
  expires_at  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  used_at     TEXT,
  voided_at   TEXT
);
CREATE INDEX otp_codes_email_live ON otp_codes (email, expires_at);

-- One row per accepted code request for an address, known or not (so the limits answer alike):
-- one a minute, ten a day. Rows older than a day are pruned as the address asks again.
CREATE TABLE otp_sends (
  id      TEXT PRIMARY KEY,
  email   TEXT NOT NULL,
  sent_at TEXT NOT NULL
);
CREATE INDEX otp_sends_email_sent ON otp_sends (email, sent_at);

-- The insured's own changes to their contact, over what underwriting holds: a *_set flag says the
-- field was changed (its value then wins, NULL meaning removed).
CREATE TABLE insured_profiles (
  insured_id          TEXT PRIMARY KEY,
  org_id              TEXT NOT NULL,
  phone               TEXT,
  phone_set           INTEGER NOT NULL DEFAULT 0,
  mailing_address     TEXT, -- JSON {line1, line2?, city, state, postalCode}
  mailing_address_set INTEGER NOT NULL DEFAULT 0,
  updated_at          TEXT NOT NULL
);

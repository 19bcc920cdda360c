-- Insureds: the policyholders behind bound policies, one per org and normalised email (trimmed,
-- lower case). A submission names the insured's contact; its bind creates the org's insured for that
-- email the first time (in the bind's own batch) and links the policy to it, so one insured holds
-- every policy bound for their address. The portal signs an insured in by this email. Policies bound
-- before this migration stay unlinked (insured_id NULL).

-- The contact a submission gave beside its insured_email: JSON {phone, mailingAddress}, or NULL.
ALTER TABLE submissions ADD COLUMN insured_contact TEXT;

CREATE TABLE insureds (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL,
  -- The named insured of the first policy bound for them.
  name            TEXT NOT NULL,
  -- Normalised: trimmed, lower case. Unique in the org.
  email           TEXT NOT NULL,
  phone           TEXT,
  mailing_address TEXT, -- JSON {line1, line2?, city, state, postalCode}
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX insureds_org_email ON insureds (org_id, email);
-- Sign-in looks an email up across orgs.
CREATE INDEX insureds_email ON insureds (email);

ALTER TABLE policies ADD COLUMN insured_id TEXT REFERENCES insureds (id);
CREATE INDEX policies_org_insured_created ON policies (org_id, insured_id, created_at, id);

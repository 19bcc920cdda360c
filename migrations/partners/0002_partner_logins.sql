-- The partner login (issue 18): one per partner, created by accepting the emailed invitation. The
-- sign-in address is the partner's contact email, unique across the platform (lower case), so a
-- sign-in names one partner of one org. Only the PBKDF2 hash of the password is kept.
CREATE TABLE partner_logins (
  partner_id TEXT NOT NULL PRIMARY KEY REFERENCES partners (id),
  org_id TEXT NOT NULL,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX partner_logins_email ON partner_logins (email);
-- Accepting an invitation finds the partner by its token's hash.
CREATE INDEX partners_invitation_token ON partners (invitation_token_hash) WHERE invitation_token_hash IS NOT NULL;

-- Market: carriers, their products and appetites (reference rows have org_id NULL and are seen by
-- every org; an org's own rows carry its org_id and are seen by it alone), the org's prospects
-- (clients) and terms acceptances, and the rule studio's rules with every version. Money is integer
-- cents; timestamps ISO-8601 UTC text; state and NAICS lists JSON arrays.

CREATE TABLE carriers (
  id             TEXT PRIMARY KEY,
  org_id         TEXT,             -- NULL: platform reference data
  name           TEXT NOT NULL,
  naic_number    TEXT NOT NULL,
  am_best_rating TEXT NOT NULL,
  market_type    TEXT NOT NULL,    -- admitted | surplus
  states         TEXT NOT NULL,    -- JSON ["CA", ...]
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX carriers_org_created ON carriers (org_id, created_at, id);

CREATE TABLE carrier_products (
  id               TEXT PRIMARY KEY,
  org_id           TEXT,
  carrier_id       TEXT NOT NULL REFERENCES carriers (id),
  name             TEXT NOT NULL,
  line_of_business TEXT NOT NULL,  -- GL | PROP | CA
  states           TEXT NOT NULL,  -- JSON, a subset of the carrier's
  min_limit        INTEGER NOT NULL,
  max_limit        INTEGER NOT NULL,
  min_premium      INTEGER NOT NULL,
  created_at       TEXT NOT NULL
);
CREATE INDEX carrier_products_carrier ON carrier_products (carrier_id, line_of_business);
CREATE INDEX carrier_products_org_created ON carrier_products (org_id, created_at, id);

CREATE TABLE appetites (
  id                    TEXT PRIMARY KEY,
  org_id                TEXT,
  carrier_id            TEXT NOT NULL REFERENCES carriers (id),
  line_of_business      TEXT NOT NULL,
  naics_prefixes        TEXT NOT NULL, -- JSON ["236", "2383", ...]
  states                TEXT NOT NULL, -- JSON; [] = every state of the carrier
  min_revenue           INTEGER NOT NULL,
  max_revenue           INTEGER,       -- NULL: no upper bound
  min_limit             INTEGER NOT NULL,
  max_limit             INTEGER NOT NULL,
  min_years_in_business INTEGER NOT NULL,
  appetite              TEXT NOT NULL, -- preferred | acceptable | decline
  created_at            TEXT NOT NULL
);
CREATE INDEX appetites_carrier ON appetites (carrier_id, line_of_business);
CREATE INDEX appetites_org_created ON appetites (org_id, created_at, id);

-- Prospects before they become submissions. normalized_name (lower case, punctuation and legal
-- suffixes dropped) with state and domain is what check-duplicate compares.
CREATE TABLE clients (
  id              TEXT PRIMARY KEY,
  org_id          TEXT NOT NULL,
  name            TEXT NOT NULL,
  normalized_name TEXT NOT NULL,
  domain          TEXT,             -- lower case, no scheme, no www.
  state           TEXT,
  naics_code      TEXT,
  annual_revenue  INTEGER,          -- cents
  contact_name    TEXT,
  contact_email   TEXT,
  notes           TEXT,
  status          TEXT NOT NULL,    -- prospect | converted
  submission_id   TEXT,
  created_by      TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX clients_org_created ON clients (org_id, created_at, id);
CREATE INDEX clients_org_name ON clients (org_id, normalized_name);
CREATE INDEX clients_org_domain ON clients (org_id, domain);

-- Terms and conditions accepted by a principal (user or key lineage) of an org, per version.
CREATE TABLE terms_acceptances (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  version      TEXT NOT NULL,
  accepted_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX terms_acceptances_once ON terms_acceptances (org_id, principal_id, version);

-- The rule studio: a rule's current state, and each of its versions (every edit is a new one).
CREATE TABLE rules (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  name        TEXT NOT NULL,
  description TEXT,
  condition   TEXT NOT NULL,  -- JsonLogic
  action      TEXT NOT NULL,  -- JSON {type: refer|decline|surcharge|require, factor?, field?}
  priority    INTEGER NOT NULL,
  enabled     INTEGER NOT NULL,
  version     INTEGER NOT NULL,
  deleted_at  TEXT,
  created_by  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX rules_org_created ON rules (org_id, created_at, id);

CREATE TABLE rule_versions (
  rule_id    TEXT NOT NULL REFERENCES rules (id),
  version    INTEGER NOT NULL,
  org_id     TEXT NOT NULL,
  snapshot   TEXT NOT NULL,   -- JSON: name, description, condition, action, priority, enabled
  changed_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (rule_id, version)
);

-- The rule studio (issue 17): the org's underwriting rules that judged a quote, each with the
-- version read, JSON [{ruleId, version, name, action, matched}]; [] for quotes made before it.
ALTER TABLE quotes ADD COLUMN rules TEXT NOT NULL DEFAULT '[]';

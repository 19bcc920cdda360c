-- Segregation of duties across API-key rotation: a quote and a referral record their creator's
-- stable principal id (an API key's lineage, a user's id, or "system") beside the exact credential
-- in created_by, so a rotated key cannot decide a referral its predecessor created. Older rows stay
-- null here (the lineage lives in identity's database) and are judged by created_by.
ALTER TABLE quotes ADD COLUMN created_by_principal TEXT;
ALTER TABLE referrals ADD COLUMN created_by_principal TEXT;

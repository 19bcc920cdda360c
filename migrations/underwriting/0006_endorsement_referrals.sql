-- An endorsement that would take a policy outside its delegated authority agreement is held as a
-- referral: the referral names the policy and carries the held request; an approval records the
-- endorsement transaction it applied.
ALTER TABLE referrals ADD COLUMN policy_id TEXT;
ALTER TABLE referrals ADD COLUMN endorsement TEXT;
ALTER TABLE referrals ADD COLUMN transaction_id TEXT;

-- An agreement's usage is its net written premium: endorsements, cancellations and reinstatements
-- of its policies now move it (return premium credits the cap), not only binds. Recomputed once
-- from the policies' written premium.
UPDATE da_agreement_usage SET written_cents = coalesce((
  SELECT sum(p.written_premium_cents) FROM policies p
  WHERE p.org_id = da_agreement_usage.org_id AND p.da_agreement_id = da_agreement_usage.agreement_id
), 0);

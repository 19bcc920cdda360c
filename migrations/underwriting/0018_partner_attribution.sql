-- Partners (issue 18): the referral code a submission was created with, and the partner it is
-- attributed to (JSON {partnerId, code, touchedAt}), which the partners worker records through
-- UnderwritingInternal.recordAttribution. Both null on every submission before.
ALTER TABLE submissions ADD COLUMN referral_code TEXT;
ALTER TABLE submissions ADD COLUMN attribution TEXT;

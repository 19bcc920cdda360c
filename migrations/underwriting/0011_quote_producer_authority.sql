-- A quote's producer check (issue 14): the distribution authority of the submission's producer on
-- the effective date as of quoting, JSON {producerId, producerName, state, lineOfBusiness,
-- effectiveDate, authorized, checks}; NULL when the submission names no producer.
ALTER TABLE quotes ADD COLUMN producer_authority TEXT;

-- Delinquency (DECISIONS.md, "Billing"): a policy whose invoice is unpaid past the org's grace days
-- is pending cancellation for non-payment until it is paid (lifted) or cancelled. The stored status
-- stays `active` (the policy is in force: coverage, certificates and the portfolio summary treat it
-- so); the API reads `pending_cancellation` while this column is set. JSON
-- {since, cancelOn, reason, invoiceId, noticeDate}; NULL when the policy is not pending cancellation.
-- It is set and cleared by billing through UnderwritingInternal, never as a timeline transaction
-- (it moves no premium); a cancellation clears it.
ALTER TABLE policies ADD COLUMN pending_cancellation TEXT;

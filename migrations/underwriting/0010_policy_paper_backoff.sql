-- Policy paper retries back off (workers/underwriting/src/policy-paper.ts): a job that failed is
-- not asked again before next_attempt_at (1 minute after the first failure, doubling to an hour).
-- NULL on a job that has never failed, and on issued ones.
ALTER TABLE policy_documents ADD COLUMN next_attempt_at TEXT;

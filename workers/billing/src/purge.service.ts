import type { PurgePlan } from "#shared/purge";

/** Billing's share of a workspace purge: every table with the org's `org_id`. Stripe keeps its own records of the org's customers. */
export const BILLING_PURGE: PurgePlan = {
  unowned: {
    batch_guards: "refuses every row (CHECK (0)); it never holds one",
    billing_job_runs: "when the platform's daily billing passes ran, for every org at once",
  },
};

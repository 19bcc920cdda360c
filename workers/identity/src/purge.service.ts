import type { PurgePlan } from "#shared/purge";

/**
 * Identity's share of a workspace purge: every table with the org's `org_id` (users, API keys,
 * sandbox clock, email log), the users' sessions and verification codes (keyed by user), and last
 * the org row itself, which frees its slug. The workspace worker's tombstone keeps the id.
 */
export const IDENTITY_PURGE: PurgePlan = {
  children: [
    { table: "sessions", column: "user_id", parent: "users" },
    { table: "verification_codes", column: "user_id", parent: "users" },
  ],
  keyedBy: [{ table: "orgs", column: "id" }],
};

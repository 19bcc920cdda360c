import type { PurgePlan } from "#shared/purge";

/** Claims' share of a workspace purge: every claims table carries the org's `org_id`. */
export const CLAIMS_PURGE: PurgePlan = {};

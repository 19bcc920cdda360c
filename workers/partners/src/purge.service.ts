import type { PurgePlan } from "#shared/purge";

/** Partners' share of a workspace purge: partners, their logins and codes, clicks, attributions and commissions, all by `org_id`. */
export const PARTNERS_PURGE: PurgePlan = {};

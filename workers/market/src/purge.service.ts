import type { PurgePlan } from "#shared/purge";

/**
 * Market's share of a workspace purge: the org's own carriers, products, appetites, clients, terms
 * acceptances and rules. The shared catalogue's rows carry `org_id` NULL, which `org_id = ?` never
 * matches, so it is never touched.
 */
export const MARKET_PURGE: PurgePlan = {};

import type { PurgePlan } from "#shared/purge";

/** Webhooks' share of a workspace purge: the org's endpoints, event log and deliveries, and each delivery's attempts (keyed by delivery). */
export const WEBHOOKS_PURGE: PurgePlan = {
  children: [{ table: "webhook_delivery_attempts", column: "delivery_id", parent: "webhook_deliveries" }],
};

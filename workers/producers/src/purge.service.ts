import type { PurgePlan } from "#shared/purge";

/** Producers' share of a workspace purge: producers, appointments, commissions and flag overrides by `org_id`; the org's {@link FlagStore} forgets its memory once they are gone. */
export const PRODUCERS_PURGE: PurgePlan = {};

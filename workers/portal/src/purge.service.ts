import type { PurgePlan } from "#shared/purge";

/** The portal's share of a workspace purge: codes, profiles, push tokens and notifications by `org_id`. */
export const PORTAL_PURGE: PurgePlan = {
  unowned: {
    otp_sends:
      "per email address across orgs (the minute cooldown and the daily cap), no org; each send deletes the address's rows from before its day",
  },
};

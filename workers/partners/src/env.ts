import type { IdentityInternalRpc, UnderwritingInternalRpc } from "#shared/rpc";
import type { ClickMessage } from "./clicks.ts";
import type { ReferralLink } from "./referral-link.do.ts";

/** Bindings of the partners worker (workers/partners/wrangler.toml, generated from the registry). */
export interface PartnersEnv {
  /** Partners, codes, clicks, attribution events, attributions, partner commissions, processed events. */
  PARTNERS_DB: D1Database;
  /** One object per referral code: its row held in memory for the click router (referral-link.do.ts). */
  REFERRAL_LINKS: DurableObjectNamespace<ReferralLink>;
  /** Clicks on referral links, recorded after the redirect answered (clicks.ts). */
  PARTNER_CLICKS: Queue<ClickMessage>;
  /** Identity, internal: `queueEmail` for a partner's invitation. */
  IDENTITY: Service<IdentityInternalRpc>;
  /** Underwriting, internal: submissions' referral codes and attribution, attributed policies' timelines, its events' bodies. */
  UNDERWRITING: Service<UnderwritingInternalRpc>;
  ENVIRONMENT: string;
}

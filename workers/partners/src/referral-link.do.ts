import { DurableObject } from "cloudflare:workers";
import type { PartnersEnv } from "./env.ts";

/** A referral code's row as the click router needs it. */
export interface ReferralLinkRow {
  orgId: string;
  partnerId: string;
  landingUrl: string;
  status: string;
}

/**
 * How long a link is answered from memory before D1 is read again. Revocation does not wait for
 * it (it calls {@link ReferralLink.forget}); it only bounds what could go stale if a forget were lost,
 * or when an org's rows are purged.
 */
export const LINK_TTL_MS = 30_000;

/** The code's row in D1, or null for a code that does not exist. */
export async function readLinkRow(d1: D1Database, code: string): Promise<ReferralLinkRow | null> {
  const row = await d1
    .prepare("SELECT org_id, partner_id, landing_url, status FROM referral_codes WHERE code = ?")
    .bind(code)
    .first<{ org_id: string; partner_id: string; landing_url: string; status: string }>();
  return row ? { orgId: row.org_id, partnerId: row.partner_id, landingUrl: row.landing_url, status: row.status } : null;
}

/**
 * One object per referral code (named by the code): its row, held in memory, so that a click reads
 * no D1. D1 stays the only record (nothing is stored here; an evicted object reads it again), and
 * the object is the one place the code is answered from, so invalidating it is exact: revoking a
 * partner calls {@link forget} on each of its codes after the D1 batch committed, and the next click
 * anywhere reads the revoked row. A read already under way when the forget arrives cannot put its
 * row back (the generation guard, as in the gateway's RateLimiter), and clicks arriving meanwhile
 * share one read. An unknown code is not remembered: a code created later is found by its first click.
 */
export class ReferralLink extends DurableObject<PartnersEnv> {
  private row: { value: ReferralLinkRow; loadedAt: number } | null = null;
  private loading: Promise<ReferralLinkRow | null> | null = null;
  private generation = 0;

  async resolve(code: string): Promise<ReferralLinkRow | null> {
    const held = this.row;
    if (held && Date.now() - held.loadedAt < LINK_TTL_MS) return held.value;
    if (this.loading) return this.loading;
    const generation = this.generation;
    const loading = readLinkRow(this.env.PARTNERS_DB, code).then(
      (value) => {
        if (generation === this.generation) {
          this.loading = null;
          this.row = value ? { value, loadedAt: Date.now() } : null;
        }
        return value;
      },
      (err: unknown) => {
        if (generation === this.generation) this.loading = null;
        throw err;
      },
    );
    this.loading = loading;
    return loading;
  }

  /** The code's row changed in D1: the next click reads it again. */
  forget(): void {
    this.generation += 1;
    this.row = null;
    this.loading = null;
  }
}

/** The object of `code`. */
export const referralLinkOf = (env: Pick<PartnersEnv, "REFERRAL_LINKS">, code: string) => env.REFERRAL_LINKS.getByName(code);

/**
 * After a partner's codes changed in D1 (revocation): every one of its codes read again on its next
 * click. Throws when an object could not be told, so the caller's request fails and is retried
 * rather than answering while a link still redirects.
 */
export async function forgetPartnerLinks(env: Pick<PartnersEnv, "PARTNERS_DB" | "REFERRAL_LINKS">, orgId: string, partnerId: string): Promise<void> {
  const { results } = await env.PARTNERS_DB.prepare("SELECT code FROM referral_codes WHERE org_id = ? AND partner_id = ?").bind(orgId, partnerId).all<{ code: string }>();
  await Promise.all(results.map((r) => referralLinkOf(env, r.code).forget()));
}

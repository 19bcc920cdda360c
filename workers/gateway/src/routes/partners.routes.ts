import type { Context } from "hono";
import type { GatewayContext, GatewayEnv } from "../env.ts";
import { clickBatch } from "../click-batch.ts";
import { appErrorResponse } from "../http/errors.ts";
import { rawRoute, route } from "../http/route.ts";
import { clientIp } from "../middleware/rate-limit.ts";
import { PARTNER_SCOPES } from "../middleware/authenticate.ts";
import { ok } from "#shared/errors";
import { JWT_MAX_TTL_SECONDS, signJwt } from "#shared/jwt";

/** One HMAC key per isolate, derived from JWT_SECRET for this one use (domain-separated). */
const clickKeys = new Map<string, Promise<CryptoKey>>();

function clickKey(env: GatewayEnv): Promise<CryptoKey> {
  let key = clickKeys.get(env.JWT_SECRET);
  if (!key) {
    key = (async () => {
      const enc = new TextEncoder();
      const master = await crypto.subtle.importKey("raw", enc.encode(env.JWT_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", master, enc.encode("openinsure/referral-click-hash/v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    })();
    clickKeys.set(env.JWT_SECRET, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of `value` under the click key: stable per visitor, never readable back to the address. */
export async function clickHash(env: GatewayEnv, kind: "ip" | "ua", value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await clickKey(env), new TextEncoder().encode(`${kind}:${value}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `GET /r/{code}`: the code is read (one RPC; the partners worker answers from the code's object)
 * while the client IP's limit is counted (the contract's `x-openinsure-rate-limit`, started by the
 * pipeline), so the answer waits for the slower of the two, not both in turn. A click over the limit
 * is answered 429 and not recorded; an admitted one (which the partners worker built) is queued
 * after the answer, batched with the isolate's other clicks (click-batch.ts), and the partners
 * worker's consumer inserts it once by its id. Nothing about the code is kept in the gateway, and
 * revocation tells the code's object: a revoked partner's links 404 from the next request. Raw,
 * because its success is a redirect: the pipeline answers JSON.
 */
async function followLink(c: Context<GatewayContext>, limited: Promise<Response | null>): Promise<Response> {
  const ua = c.req.header("user-agent");
  const [ipHash, userAgentHash] = await Promise.all([clickHash(c.env, "ip", clientIp(c)), ua ? clickHash(c.env, "ua", ua) : Promise.resolve(null)]);
  const [refused, target] = await Promise.all([limited, c.env.PARTNERS.resolveLink(c.req.param("code") ?? "", { referrer: c.req.header("referer") ?? null, ipHash, userAgentHash })]);
  if (refused) return refused;
  if (!target.ok) return appErrorResponse(c, target.error);
  const { location, click } = target.value;
  // Onto the partners worker's click queue with the isolate's other clicks of the moment (no second
  // RPC); if the queue refuses them, the partners worker records them itself. Once, by each click's id.
  clickBatch.add(c.env, c.executionCtx, click);
  c.header("Cache-Control", "no-store");
  return c.redirect(location, 302);
}

/**
 * Partners, their codes and the click router, attribution events and partner commissions: the
 * partners worker behind `PARTNERS`. Every write is made safe to retry by the pipeline's
 * idempotency; attribution events are idempotent by their `externalId` besides.
 */
export const partnerRoutes = [
  route("createPartner", ({ env, principal, input }) => env.PARTNERS.createPartner(principal, input.body)),
  route("listPartners", ({ env, principal, input }) => env.PARTNERS.listPartners(principal, input.query)),
  route("getPartner", ({ env, principal, input }) => env.PARTNERS.getPartner(principal, input.path.id)),
  route("invitePartner", ({ env, principal, input, c }) => env.PARTNERS.invitePartner(principal, input.path.id, new URL(c.req.url).origin)),
  route("revokePartner", ({ env, principal, input }) => env.PARTNERS.revokePartner(principal, input.path.id)),
  route("createPartnerCode", ({ env, principal, input }) => env.PARTNERS.createPartnerCode(principal, input.path.id, input.body)),
  route("listPartnerCodes", ({ env, principal, input }) => env.PARTNERS.listPartnerCodes(principal, input.path.id, input.query)),
  route("createAttributionEvent", ({ env, principal, input }) => env.PARTNERS.recordAttributionEvent(principal, input.body)),
  route("listPartnerCommissions", ({ env, principal, input }) => env.PARTNERS.listCommissions(principal, input.query)),
  route("listCommissionsOfPartner", ({ env, principal, input }) => env.PARTNERS.listCommissionsOfPartner(principal, input.path.id, input.query)),
  route("payPartnerCommissions", ({ env, principal, input }) => env.PARTNERS.payCommissions(principal, input.path.id, input.body ?? {})),
  rawRoute("followReferralLink", followLink),
  // The partner login: accept the emailed invitation, then sign in for a 1-hour partner JWT that
  // only the contract's `partnerToken` operations take, for that partner alone.
  route("acceptPartnerInvitation", ({ env, input }) => env.PARTNERS.acceptPartnerInvitation(input.body)),
  route("issuePartnerToken", async ({ env, input }) => {
    const signedIn = await env.PARTNERS.signInPartner(input.body);
    if (!signedIn.ok) return signedIn;
    const { partnerId, orgId, name } = signedIn.value;
    const { token, expiresAt } = await signJwt({ sub: partnerId, orgId, role: null, scopes: PARTNER_SCOPES, typ: "partner", partnerId, name }, env.JWT_SECRET, JWT_MAX_TTL_SECONDS);
    return ok({ token, tokenType: "Bearer" as const, expiresAt, partnerId, orgId });
  }),
];

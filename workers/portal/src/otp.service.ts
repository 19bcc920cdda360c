/**
 * Policyholder sign-in by one-time code (DECISIONS.md, "Policyholders and the portal").
 *
 * - A request answers the same `202` body for a known and an unknown email, and does the same work
 *   before answering for both: the address's send limits (counted per address whether or not it is
 *   an insured's, so a 429 is no oracle either) and the lookup of its insureds. Issuing the codes and
 *   queueing their emails happens after the answer (`waitUntil`), so it cannot show in the timing.
 * - A code is 6 digits from the CSPRNG, stored only as an HMAC keyed from `JWT_SECRET` (a leaked
 *   table cannot be brute-forced offline through a million candidates), valid 10 minutes for 5
 *   attempts, used once; a new code for the same email and org voids the last. One a minute and ten a
 *   day per address. Codes appear only in the outbox email (redacted there outside development), never in a log.
 * - An email known to several orgs gets one code per org (or only the org of `orgSlug`); the code
 *   used decides the org the token names.
 * - Every guess spends an attempt of each live code of the email before it is compared, in one
 *   statement, so parallel guesses cannot exceed five per code.
 */
import { realClock } from "#shared/clock";
import { randomDigits, timingSafeEqual, toHex } from "#shared/crypto";
import { platformEmail } from "#shared/email-templates";
import { isDevelopment } from "#shared/environment";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { signJwt } from "#shared/jwt";
import type { PolicyholderCodeRequest, PolicyholderCodeRequested, PolicyholderToken, PolicyholderTokenRequest } from "#contract/types.gen";
import type { InsuredIdentity } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";
import { portalEnabled } from "./enabled.ts";

export const CODE_TTL_SECONDS = 600;
export const MAX_ATTEMPTS = 5;
export const RESEND_COOLDOWN_SECONDS = 60;
export const DAILY_SENDS = 10;
const DAY_SECONDS = 86_400;
/** A policyholder token lives one hour (the platform's JWT maximum). */
export const TOKEN_TTL_SECONDS = 3600;

/** The one answer to every code request that is not refused. */
export const CODE_REQUESTED: PolicyholderCodeRequested = {
  status: "accepted",
  message: "If this email belongs to a policyholder, a sign-in code is on its way. It expires in 10 minutes.",
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CODE = /^[0-9]{6}$/;

const unauthorized = () => fail("unauthorized", "Missing or invalid credentials");

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const encoder = new TextEncoder();
const codeKeys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of code hashes, derived from `JWT_SECRET` under its own label (never the signing key itself). */
function codeKey(secret: string): Promise<CryptoKey> {
  let key = codeKeys.get(secret);
  if (!key) {
    key = (async () => {
      const root = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", root, encoder.encode("openinsure-portal-otp-v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    })();
    codeKeys.set(secret, key);
  }
  return key;
}

async function codeHash(secret: string, otpId: string, code: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await codeKey(secret), encoder.encode(`${otpId}:${code}`)));
}

/**
 * Take one send slot for `email` now, or say how long until one frees: at most one per
 * {@link RESEND_COOLDOWN_SECONDS} and {@link DAILY_SENDS} per day. One conditional insert, so two
 * racing requests cannot both pass.
 */
async function takeSendSlot(db: D1Database, email: string, now: Date): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
  const at = now.toISOString();
  const cooldownStart = new Date(now.getTime() - RESEND_COOLDOWN_SECONDS * 1000).toISOString();
  const dayStart = new Date(now.getTime() - DAY_SECONDS * 1000).toISOString();
  const taken = await db
    .prepare(
      `INSERT INTO otp_sends (id, email, sent_at)
       SELECT ?1, ?2, ?3
       WHERE NOT EXISTS (SELECT 1 FROM otp_sends WHERE email = ?2 AND sent_at > ?4)
         AND (SELECT count(*) FROM otp_sends WHERE email = ?2 AND sent_at > ?5) < ?6
       RETURNING id`,
    )
    .bind(newId("otp"), email, at, cooldownStart, dayStart, DAILY_SENDS)
    .first<{ id: string }>();
  if (taken) {
    await db.prepare(`DELETE FROM otp_sends WHERE email = ?1 AND sent_at <= ?2`).bind(email, dayStart).run();
    return { ok: true };
  }
  const window = await db
    .prepare(`SELECT max(sent_at) AS latest, min(sent_at) AS oldest, count(*) AS n FROM otp_sends WHERE email = ?1 AND sent_at > ?2`)
    .bind(email, dayStart)
    .first<{ latest: string | null; oldest: string | null; n: number }>();
  const seconds = (iso: string | null | undefined, plus: number) => (iso ? Math.ceil((Date.parse(iso) + plus * 1000 - now.getTime()) / 1000) : 1);
  const cooldown = seconds(window?.latest, RESEND_COOLDOWN_SECONDS);
  const daily = (window?.n ?? 0) >= DAILY_SENDS ? seconds(window?.oldest, DAY_SECONDS) : 0;
  return { ok: false, retryAfter: Math.max(1, cooldown, daily) };
}

/** The insureds a code goes to: every org's with this email, or only the org of `orgSlug`. */
async function recipients(env: PortalEnv, email: string, orgSlug: string | undefined): Promise<InsuredIdentity[]> {
  const known = await env.UNDERWRITING.insuredsByEmail(email);
  if (orgSlug === undefined || known.length === 0) return known;
  const org = await env.IDENTITY.orgBySlug(orgSlug);
  return org ? known.filter((i) => i.orgId === org.id) : [];
}

/**
 * Issue a code for each recipient (voiding the last one of the same email and org) and queue its
 * email. Runs after the answer; a failure is logged without the code and the insured asks again.
 */
async function issueCodes(env: PortalEnv, email: string, insureds: InsuredIdentity[], now: Date): Promise<void> {
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + CODE_TTL_SECONDS * 1000).toISOString();
  for (const insured of insureds) {
    try {
      // An org whose portal is off (`portal.enabled`) sends no code; the answer was the same 202 anyway.
      if (!(await portalEnabled(env, insured.orgId))) continue;
      const id = newId("otp");
      const code = randomDigits(6);
      await env.PORTAL_DB.batch([
        env.PORTAL_DB.prepare(`UPDATE otp_codes SET voided_at = ?1 WHERE email = ?2 AND org_id = ?3 AND used_at IS NULL AND voided_at IS NULL`).bind(at, email, insured.orgId),
        env.PORTAL_DB.prepare(`INSERT INTO otp_codes (id, email, org_id, insured_id, code_hash, attempts, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)`).bind(
          id,
          email,
          insured.orgId,
          insured.insuredId,
          await codeHash(env.JWT_SECRET, id, code),
          expiresAt,
          at,
        ),
      ]);
      const org = await env.IDENTITY.orgSummary(insured.orgId);
      // The platform's policyholder_code template: outside development the stored copy shows the code
      // redacted, and only the copy handed to the provider carries it.
      const rendered = platformEmail("policyholder_code", { code, orgName: org?.name ?? "your insurer", orgSlug: org?.slug ?? insured.orgId }, { production: !isDevelopment(env) });
      const queued = await env.IDENTITY.queueEmail({ orgId: insured.orgId, to: email, kind: "policyholder_code", ...rendered });
      if (!queued.ok) throw new Error(`the outbox refused the code's email: ${queued.error.code}`);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "policyholder code not issued", orgId: insured.orgId, error: String(err) }));
    }
  }
}

/**
 * `POST /auth/policyholder-otp-request`. `defer` runs the issuing after the answer (the
 * entrypoint's `waitUntil`).
 */
export async function requestCode(env: PortalEnv, input: PolicyholderCodeRequest, defer: (work: Promise<unknown>) => void): Promise<Result<PolicyholderCodeRequested>> {
  if (typeof input?.email !== "string" || input.email.length > 254 || !EMAIL.test(input.email.trim())) return invalid("email", "email", "email must be an email address");
  if (input.orgSlug !== undefined && (typeof input.orgSlug !== "string" || input.orgSlug.trim() === "" || input.orgSlug.length > 100)) {
    return invalid("orgSlug", "slug", "orgSlug must be an org's slug");
  }
  const email = normalizeEmail(input.email);
  const now = realClock.now();
  const slot = await takeSendSlot(env.PORTAL_DB, email, now);
  if (!slot.ok) {
    return fail("rate_limit_exceeded", `Too many codes requested for this address; retry after ${slot.retryAfter} s`, { retryAfter: slot.retryAfter });
  }
  const insureds = await recipients(env, email, input.orgSlug?.trim());
  if (insureds.length > 0) defer(issueCodes(env, email, insureds, now));
  return ok(CODE_REQUESTED);
}

interface LiveCode {
  id: string;
  org_id: string;
  insured_id: string;
  code_hash: string;
}

/**
 * `POST /auth/policyholder-token`: a 1-hour policyholder JWT for a live code of this email.
 * Wrong, expired, used, voided or exhausted codes, and a code whose insured has since moved to
 * another email, are all the same 401.
 */
export async function issueToken(env: PortalEnv, input: PolicyholderTokenRequest): Promise<Result<PolicyholderToken>> {
  if (typeof input?.email !== "string" || !EMAIL.test(input.email.trim())) return invalid("email", "email", "email must be an email address");
  if (typeof input.code !== "string" || !CODE.test(input.code)) return invalid("code", "pattern", "code must be the 6 digits from the email");
  const email = normalizeEmail(input.email);
  const now = realClock.now().toISOString();
  // Spend an attempt of every live code first; only those with an attempt left are compared.
  const live = await env.PORTAL_DB.prepare(
    `UPDATE otp_codes SET attempts = attempts + 1
     WHERE email = ?1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > ?2 AND attempts < ?3
     RETURNING id, org_id, insured_id, code_hash`,
  )
    .bind(email, now, MAX_ATTEMPTS)
    .all<LiveCode>();
  let match: LiveCode | undefined;
  for (const candidate of live.results ?? []) {
    const expected = await codeHash(env.JWT_SECRET, candidate.id, input.code);
    // Every candidate is compared, so the time taken does not say which one matched.
    if (timingSafeEqual(expected, candidate.code_hash) && !match) match = candidate;
  }
  if (!match) return unauthorized();
  // A code sent before the org turned its portal off signs nobody in (the same 401, and the code stays unused).
  if (!(await portalEnabled(env, match.org_id))) return unauthorized();
  const used = await env.PORTAL_DB.prepare(`UPDATE otp_codes SET used_at = ?1 WHERE id = ?2 AND used_at IS NULL AND voided_at IS NULL RETURNING id`).bind(now, match.id).first();
  if (!used) return unauthorized();
  // The org may have corrected the insured's email since the code was sent: access moved with it.
  const insured = await env.UNDERWRITING.insuredOf(match.org_id, match.insured_id);
  if (!insured || insured.email !== email) return unauthorized();
  const { token, expiresAt } = await signJwt({ sub: insured.insuredId, orgId: insured.orgId, role: null, scopes: [], typ: "insured", name: insured.name }, env.JWT_SECRET, TOKEN_TTL_SECONDS);
  return ok({ token, tokenType: "Bearer", expiresAt, insuredId: insured.insuredId, orgId: insured.orgId });
}

/**
 * Referral partners and their codes (issue 18): create, list, get, invite, revoke; add and list
 * codes. Every method is confined to `principal.orgId`; another org's partner is `not_found`.
 *
 * A partner's landing URL obeys the webhook endpoints' rules (#shared/url-policy), always as in
 * production: public https, no loopback, private, link-local or metadata host, since the public
 * click router redirects every visitor there. The commission rate is a percentage 0–50 with at most
 * two decimals, kept as basis points. Codes are unique across the platform (the link names no org)
 * and upper case; each code row carries its partner's landing URL and status, written in the same
 * batch as the partner's, so the click router reads one row by its key.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { CreatePartnerCodeRequest, CreatePartnerRequest, Partner, PartnerCode, PartnerInvitation } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { sha256Hex, randomToken } from "#shared/crypto";
import { isUniqueViolation, listKeyset } from "#shared/db";
import { platformEmail } from "#shared/email-templates";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { fromCents, toCents } from "#shared/money";
import { toPage, type Page, type PageQuery } from "#shared/pagination";
import type { IdentityInternalRpc, ListPartnersQuery } from "#shared/rpc";
import { checkEndpointUrl } from "#shared/url-policy";
import { partners, referralCodes, type PartnerRow, type ReferralCodeRow } from "./schema.ts";

/** The highest commission rate, in basis points (50%). */
export const MAX_RATE_BPS = 5_000;
/** How long an invitation link works. */
export const INVITATION_DAYS = 7;
const CODE = /^[A-Za-z0-9_-]{4,32}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Crockford base32 without look-alikes: generated codes read aloud and type without mistakes. */
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
const GENERATED_CODE_LENGTH = 8;
const CODE_ATTEMPTS = 5;

/** A new random code (8 characters, about 39 bits). */
export function generateCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(GENERATED_CODE_LENGTH));
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

/** A code as stored: trimmed and upper case; null when it is not a code. */
export function normalizeCode(raw: unknown): string | null {
  if (typeof raw !== "string") return null;
  const code = raw.trim();
  return CODE.test(code) ? code.toUpperCase() : null;
}

/** The landing URL as stored, or the 400 naming the rule it broke. */
export function checkLandingUrl(raw: unknown): Result<string> {
  const verdict = checkEndpointUrl(raw, { production: true, allowLoopback: false });
  if (!verdict.ok) return invalid("landingUrl", verdict.rule === "ssrf" ? "public_https" : "url", verdict.reason.replace(/^url/, "landingUrl").replace("webhook endpoints must be public", "landing URLs must be public"));
  return ok(verdict.href);
}

/** The rate as basis points, or the 400: 0–50 with at most two decimals, never rounded. */
export function rateBps(raw: unknown): Result<number> {
  if (typeof raw !== "number" || !Number.isFinite(raw)) return invalid("commissionRate", "number", "commissionRate must be a number (a percentage, 0–50)");
  const bps = toCents(raw);
  if (bps === null) return invalid("commissionRate", "decimals", "commissionRate has at most two decimals");
  if (bps < 0 || bps > MAX_RATE_BPS) return invalid("commissionRate", "range", "commissionRate must be from 0 to 50 (percent)");
  return ok(bps);
}

export function toPartner(row: PartnerRow): Partner {
  return {
    id: row.id,
    name: row.name,
    contactEmail: row.contactEmail,
    landingUrl: row.landingUrl,
    commissionRate: fromCents(row.commissionRateBps),
    status: row.status,
    defaultCode: row.defaultCode,
    invitedAt: row.invitedAt,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toCode(row: ReferralCodeRow & { clicks: number }): PartnerCode {
  return { code: row.code, partnerId: row.partnerId, status: row.status, path: `/r/${row.code}`, clicks: row.clicks, createdAt: row.createdAt };
}

export function findPartner(db: DrizzleD1Database, orgId: string, id: string): Promise<PartnerRow | undefined> {
  return db.select().from(partners).where(and(eq(partners.orgId, orgId), eq(partners.id, id))).get();
}

const taken = (code: string) => fail("conflict", `The referral code ${code} is already taken`, { field: "code", rule: "unique", code });

export async function createPartner(db: DrizzleD1Database, principal: Principal, input: CreatePartnerRequest): Promise<Result<Partner>> {
  const body = (input ?? {}) as Partial<CreatePartnerRequest>;
  const name = typeof body.name === "string" ? body.name.trim() : "";
  if (name === "" || name.length > 200) return invalid("name", "required", "name is required (1–200 characters)");
  const email = typeof body.contactEmail === "string" ? body.contactEmail.trim() : "";
  if (!EMAIL.test(email) || email.length > 254) return invalid("contactEmail", "email", "contactEmail must be an email address");
  const landing = checkLandingUrl(body.landingUrl);
  if (!landing.ok) return landing;
  const rate = rateBps(body.commissionRate);
  if (!rate.ok) return rate;
  const wanted = body.code === undefined ? null : normalizeCode(body.code);
  if (body.code !== undefined && wanted === null) return invalid("code", "pattern", "code is 4–32 letters, digits, - or _");

  const now = clockOf(principal).now().toISOString();
  for (let attempt = 1; ; attempt++) {
    const code = wanted ?? generateCode();
    const row: PartnerRow = {
      id: newId("prt"),
      orgId: principal.orgId,
      name,
      contactEmail: email,
      landingUrl: landing.value,
      commissionRateBps: rate.value,
      status: "active",
      defaultCode: code,
      invitedAt: null,
      invitationTokenHash: null,
      invitationExpiresAt: null,
      revokedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await db.batch([
        db.insert(partners).values(row),
        db.insert(referralCodes).values({ code, orgId: principal.orgId, partnerId: row.id, landingUrl: row.landingUrl, status: "active", createdAt: now }),
      ]);
      return ok(toPartner(row));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (wanted !== null) return taken(wanted);
      if (attempt >= CODE_ATTEMPTS) throw err;
    }
  }
}

/** `%term%` for LIKE, with the wildcards of the term itself escaped. */
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listPartners(db: DrizzleD1Database, principal: Principal, query?: ListPartnersQuery): Promise<Result<Page<Partner>>> {
  const keyset = listKeyset(partners, query);
  if (!keyset.ok) return keyset;
  const q = query ?? {};
  const term = q.search?.trim();
  const pattern = term ? likePattern(term.toLowerCase()) : undefined;
  const filters: (SQL | undefined)[] = [
    eq(partners.orgId, principal.orgId),
    keyset.value.where,
    q.status ? eq(partners.status, q.status) : undefined,
    pattern
      ? sql`(lower(${partners.name}) LIKE ${pattern} ESCAPE '\\' OR lower(${partners.contactEmail}) LIKE ${pattern} ESCAPE '\\'
          OR EXISTS (SELECT 1 FROM referral_codes c WHERE c.partner_id = ${partners.id} AND lower(c.code) LIKE ${pattern} ESCAPE '\\'))`
      : undefined,
  ];
  const rows = await db.select().from(partners).where(and(...filters)).orderBy(...keyset.value.orderBy).limit(keyset.value.limit).all();
  return ok(toPage(rows, keyset.value.pageSize, toPartner));
}

export async function getPartner(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Partner>> {
  const row = await findPartner(db, principal.orgId, id);
  return row ? ok(toPartner(row)) : notFound("Partner");
}

/**
 * Revoke the partner and every code of it in one batch: from the next request its links answer
 * 404 and its touches attribute nothing. Commissions already earned stay. Idempotent.
 */
export async function revokePartner(db: DrizzleD1Database, principal: Principal, id: string): Promise<Result<Partner>> {
  const row = await findPartner(db, principal.orgId, id);
  if (!row) return notFound("Partner");
  if (row.status === "revoked") return ok(toPartner(row));
  const now = clockOf(principal).now().toISOString();
  await db.batch([
    db.update(partners).set({ status: "revoked", revokedAt: now, updatedAt: now, invitationTokenHash: null }).where(and(eq(partners.orgId, principal.orgId), eq(partners.id, id))),
    db.update(referralCodes).set({ status: "revoked" }).where(and(eq(referralCodes.orgId, principal.orgId), eq(referralCodes.partnerId, id))),
  ]);
  return ok(toPartner({ ...row, status: "revoked", revokedAt: now, updatedAt: now }));
}

/**
 * Email the partner's contact a link to create their own partner login (valid 7 days), through
 * identity's email outbox; only the token's SHA-256 is kept, and a new invitation replaces the last.
 * The email is queued before the partner is marked, so a failure marks nothing.
 */
export async function invitePartner(db: DrizzleD1Database, identity: IdentityInternalRpc, principal: Principal, id: string, origin: string, production = false): Promise<Result<PartnerInvitation>> {
  const row = await findPartner(db, principal.orgId, id);
  if (!row) return notFound("Partner");
  if (row.status === "revoked") return fail("invalid_state_transition", "A revoked partner cannot be invited", { status: row.status });
  const now = clockOf(principal).now();
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString();
  const token = randomToken(32);
  // The platform's partner_invitation template: in production the stored copy shows the token
  // redacted (the outbox must not open the login), and only the copy handed to the provider has it.
  const email = platformEmail(
    "partner_invitation",
    { partnerName: row.name, acceptUrl: `${origin.replace(/\/$/, "")}/partner/accept`, token: encodeURIComponent(token), expiresOn: expiresAt.slice(0, 10), referralCode: row.defaultCode },
    { production },
  );
  const queued = await identity.queueEmail({ orgId: principal.orgId, to: row.contactEmail, kind: "partner_invitation", ...email });
  if (!queued.ok) return queued;
  const at = now.toISOString();
  const status = row.status === "active" ? "invited" : row.status;
  await db
    .update(partners)
    .set({ status, invitedAt: at, invitationTokenHash: await sha256Hex(token), invitationExpiresAt: expiresAt, updatedAt: at })
    .where(and(eq(partners.orgId, principal.orgId), eq(partners.id, id), sql`${partners.status} <> 'revoked'`));
  return ok({ partner: toPartner({ ...row, status, invitedAt: at, updatedAt: at }), emailId: queued.value.id, sentTo: row.contactEmail, expiresAt });
}

export async function createPartnerCode(db: DrizzleD1Database, principal: Principal, partnerId: string, input: CreatePartnerCodeRequest): Promise<Result<PartnerCode>> {
  const row = await findPartner(db, principal.orgId, partnerId);
  if (!row) return notFound("Partner");
  if (row.status === "revoked") return fail("invalid_state_transition", "A revoked partner gets no new codes", { status: row.status });
  const sent = (input ?? {}).code;
  const wanted = sent === undefined ? null : normalizeCode(sent);
  if (sent !== undefined && wanted === null) return invalid("code", "pattern", "code is 4–32 letters, digits, - or _");
  const now = clockOf(principal).now().toISOString();
  for (let attempt = 1; ; attempt++) {
    const code = wanted ?? generateCode();
    const value: ReferralCodeRow = { code, orgId: principal.orgId, partnerId, landingUrl: row.landingUrl, status: "active", createdAt: now };
    try {
      await db.insert(referralCodes).values(value);
      return ok(toCode({ ...value, clicks: 0 }));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (wanted !== null) return taken(wanted);
      if (attempt >= CODE_ATTEMPTS) throw err;
    }
  }
}

export async function listPartnerCodes(db: DrizzleD1Database, principal: Principal, partnerId: string, query?: PageQuery): Promise<Result<Page<PartnerCode>>> {
  const row = await findPartner(db, principal.orgId, partnerId);
  if (!row) return notFound("Partner");
  const keyset = listKeyset({ createdAt: referralCodes.createdAt, id: referralCodes.code }, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select({
      code: referralCodes.code,
      orgId: referralCodes.orgId,
      partnerId: referralCodes.partnerId,
      landingUrl: referralCodes.landingUrl,
      status: referralCodes.status,
      createdAt: referralCodes.createdAt,
      // Spelled out: drizzle renders a column unqualified, which inside the subquery would name clicks.code.
      clicks: sql<number>`(SELECT COUNT(*) FROM clicks k WHERE k.code = "referral_codes"."code")`,
    })
    .from(referralCodes)
    .where(and(eq(referralCodes.orgId, principal.orgId), eq(referralCodes.partnerId, partnerId), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit)
    .all();
  return ok(toPage(rows.map((r) => ({ ...r, id: r.code })), keyset.value.pageSize, toCode));
}

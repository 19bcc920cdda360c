/**
 * What a signed-in insured reads and changes. Every method takes the gateway's insured principal
 * (`kind: "insured"`, `actorId` the `ins_` id, `orgId` the org of the code used) and reads only what
 * underwriting links to that insured: another insured's policy, even in the same org, is 404.
 */
import type { Invoice, MailingAddress, PushTokenRegistration, RegisterPushTokenRequest, Policy, PortalDocument, PortalDocuments, PortalHome, PortalInvoices, PortalPolicies, PortalProfile, UpdatePortalProfileRequest } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf, realClock } from "#shared/clock";
import { sha256Hex } from "#shared/crypto";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { InsuredIdentity } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";

const unauthorized = () => fail("unauthorized", "Missing or invalid credentials");

/** The insured a principal is, or null when it is not an insured's (a gateway bug: answered 401). */
export function insuredOf(principal: Principal): { orgId: string; insuredId: string } | null {
  if (principal?.kind !== "insured" || typeof principal.actorId !== "string" || !principal.actorId.startsWith("ins_") || !principal.orgId) return null;
  return { orgId: principal.orgId, insuredId: principal.actorId };
}

export async function listPolicies(env: PortalEnv, principal: Principal): Promise<Result<PortalPolicies>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  return ok({ data: await env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, clockOf(principal).today()) });
}

export async function getPolicy(env: PortalEnv, principal: Principal, id: string): Promise<Result<Policy>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  return env.UNDERWRITING.insuredPolicy(who.orgId, who.insuredId, String(id), clockOf(principal).today());
}

/** The issued paper of `policies`, newest first. */
function documentsOf(policies: Policy[]): PortalDocument[] {
  const out: PortalDocument[] = [];
  for (const p of policies) {
    for (const d of p.documents) {
      if (d.documentId === null || d.issuedAt === null) continue;
      out.push({ documentId: d.documentId, policyId: p.id, policyNumber: p.policyNumber, kind: d.kind, transactionType: d.transactionType, effectiveDate: d.effectiveDate, issuedAt: d.issuedAt, current: d.current });
    }
  }
  return out.sort((a, b) => (a.issuedAt === b.issuedAt ? b.documentId.localeCompare(a.documentId) : b.issuedAt.localeCompare(a.issuedAt)));
}

export async function listDocuments(env: PortalEnv, principal: Principal): Promise<Result<PortalDocuments>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  return ok({ data: documentsOf(await env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, clockOf(principal).today())) });
}

/**
 * The document to sign a download link for, when it is one of the insured's (a document of another
 * insured, of another org, or not a policy's paper at all is 404). The gateway signs the link.
 */
export async function documentForDownload(env: PortalEnv, principal: Principal, documentId: string): Promise<Result<{ documentId: string }>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const mine = documentsOf(await env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, clockOf(principal).today()));
  const doc = mine.find((d) => d.documentId === documentId);
  return doc ? ok({ documentId: doc.documentId }) : notFound("Document");
}

/** The current MCS-90 of one of the insured's policies; 404 for another's policy or one with none. */
export async function mcs90ForDownload(env: PortalEnv, principal: Principal, policyId: string): Promise<Result<{ documentId: string }>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const policy = await env.UNDERWRITING.insuredPolicy(who.orgId, who.insuredId, String(policyId), clockOf(principal).today());
  if (!policy.ok) return policy;
  const mcs90 = documentsOf([policy.value]).find((d) => d.kind === "mcs90" && d.current);
  return mcs90 ? ok({ documentId: mcs90.documentId }) : notFound("MCS-90");
}

/** The invoices of the insured's policies, by due date. */
async function invoicesOf(env: PortalEnv, who: { orgId: string; insuredId: string }, policies: Policy[], today: string): Promise<Invoice[]> {
  if (policies.length === 0) return [];
  return env.BILLING.invoicesOfPolicies(who.orgId, policies.map((p) => p.id), today);
}

export async function listInvoices(env: PortalEnv, principal: Principal): Promise<Result<PortalInvoices>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const today = clockOf(principal).today();
  const policies = await env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, today);
  return ok({ data: await invoicesOf(env, who, policies, today) });
}

/** One invoice of the insured's policies; another insured's (or org's) is 404. */
export async function getInvoice(env: PortalEnv, principal: Principal, id: string): Promise<Result<Invoice>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const today = clockOf(principal).today();
  const policies = await env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, today);
  const invoice = (await invoicesOf(env, who, policies, today)).find((i) => i.id === id);
  return invoice ? ok(invoice) : notFound("Invoice");
}

/**
 * The PDF of one of the insured's invoices, for the gateway to sign its link: `not_found` for an
 * invoice that is not theirs ("Invoice not found"), and a `not_found` of its own, saying so and with
 * `details.reason: "pdf_pending"`, while billing has not issued the invoice's PDF yet (it does so
 * right after the invoice, and its cron retries until it exists).
 */
export async function invoiceForDownload(env: PortalEnv, principal: Principal, id: string): Promise<Result<{ documentId: string }>> {
  const invoice = await getInvoice(env, principal, id);
  if (!invoice.ok) return invoice;
  if (invoice.value.documentId === null) {
    return fail("not_found", "This invoice's PDF has not been issued yet; it is usually ready within a minute", { reason: "pdf_pending", invoiceId: invoice.value.id });
  }
  return ok({ documentId: invoice.value.documentId });
}

/** How many documents the home screen shows. */
const HOME_DOCUMENTS = 5;
const IN_FORCE = new Set<string>(["active", "pending_cancellation"]);

/** `GET /v1/portal/home`: policies in force, the next open invoice (overdue first, then earliest due), open claims, the newest documents. */
export async function getHome(env: PortalEnv, principal: Principal): Promise<Result<PortalHome>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const today = clockOf(principal).today();
  const [insured, policies] = await Promise.all([env.UNDERWRITING.insuredOf(who.orgId, who.insuredId), env.UNDERWRITING.insuredPolicies(who.orgId, who.insuredId, today)]);
  if (!insured) return unauthorized();
  const [invoices, openClaims] = await Promise.all([
    invoicesOf(env, who, policies, today),
    policies.length ? env.CLAIMS.openClaimCount(who.orgId, policies.map((p) => p.id)) : Promise.resolve(0),
  ]);
  const next = invoices.filter((i) => i.status === "open" && i.amountDue > 0).sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.number.localeCompare(b.number))[0];
  return ok({
    insured: { id: insured.insuredId, name: insured.name, email: insured.email },
    activePolicies: policies
      .filter((p) => IN_FORCE.has(p.status))
      .map((p) => ({ id: p.id, policyNumber: p.policyNumber, lineOfBusiness: p.lineOfBusiness, status: p.status, effectiveDate: p.effectiveDate, expirationDate: p.expirationDate })),
    nextPayment: next
      ? { invoiceId: next.id, number: next.number, policyId: next.policyId, policyNumber: next.policyNumber, dueDate: next.dueDate, amountDue: next.amountDue, currency: next.currency, overdue: next.overdue }
      : null,
    openClaims,
    latestDocuments: documentsOf(policies).slice(0, HOME_DOCUMENTS),
  });
}

interface ProfileRow {
  phone: string | null;
  phone_set: number;
  mailing_address: string | null;
  mailing_address_set: number;
  updated_at: string;
}

/** Underwriting's contact with the insured's own changes over it. */
function toProfile(insured: InsuredIdentity, row: ProfileRow | null): PortalProfile {
  const address = row?.mailing_address_set ? (row.mailing_address === null ? null : (JSON.parse(row.mailing_address) as MailingAddress)) : insured.mailingAddress;
  const updatedAt = row && row.updated_at > insured.updatedAt ? row.updated_at : insured.updatedAt;
  return {
    id: insured.insuredId,
    name: insured.name,
    email: insured.email,
    phone: row?.phone_set ? row.phone : insured.phone,
    mailingAddress: address,
    updatedAt,
  };
}

async function profileRow(env: PortalEnv, insuredId: string): Promise<ProfileRow | null> {
  return env.PORTAL_DB.prepare(`SELECT phone, phone_set, mailing_address, mailing_address_set, updated_at FROM insured_profiles WHERE insured_id = ?1`).bind(insuredId).first<ProfileRow>();
}

/** The insured's profile (underwriting's contact with their own changes over it), or null when the insured no longer exists. */
export async function profileOf(env: PortalEnv, who: { orgId: string; insuredId: string }): Promise<PortalProfile | null> {
  const [insured, row] = await Promise.all([env.UNDERWRITING.insuredOf(who.orgId, who.insuredId), profileRow(env, who.insuredId)]);
  return insured ? toProfile(insured, row) : null;
}

export async function getProfile(env: PortalEnv, principal: Principal): Promise<Result<PortalProfile>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  const insured = await env.UNDERWRITING.insuredOf(who.orgId, who.insuredId);
  if (!insured) return unauthorized();
  return ok(toProfile(insured, await profileRow(env, who.insuredId)));
}

const PHONE = /^\+?[0-9][0-9 ().-]{5,30}$/;
const PROFILE_FIELDS = new Set(["phone", "mailingAddress"]);
const ADDRESS_FIELDS = new Set(["line1", "line2", "city", "state", "postalCode"]);

/** The address as stored, or the 400 naming what is wrong with it. */
function checkAddress(value: unknown): Result<MailingAddress | null> {
  if (value === null) return ok(null);
  if (typeof value !== "object" || Array.isArray(value)) return invalid("mailingAddress", "type", "mailingAddress must be an object or null");
  const a = value as Record<string, unknown>;
  for (const key of Object.keys(a)) if (!ADDRESS_FIELDS.has(key)) return invalid(`mailingAddress.${key}`, "unknown_field", `Received unknown parameter: mailingAddress.${key}`);
  const text = (field: string, max: number, required: boolean): Result<string | undefined> => {
    const v = a[field];
    if (v === undefined) return required ? invalid(`mailingAddress.${field}`, "required", `mailingAddress.${field} is required`) : ok(undefined);
    if (typeof v !== "string" || v.trim() === "" || v.length > max) return invalid(`mailingAddress.${field}`, "length", `mailingAddress.${field} must be 1 to ${max} characters`);
    return ok(v.trim());
  };
  const line1 = text("line1", 200, true);
  if (!line1.ok) return line1;
  const line2 = text("line2", 200, false);
  if (!line2.ok) return line2;
  const city = text("city", 100, true);
  if (!city.ok) return city;
  if (typeof a.state !== "string" || !/^[A-Z]{2}$/.test(a.state)) return invalid("mailingAddress.state", "pattern", "mailingAddress.state must be a two-letter code");
  if (typeof a.postalCode !== "string" || !/^[0-9]{5}(-[0-9]{4})?$/.test(a.postalCode)) return invalid("mailingAddress.postalCode", "pattern", "mailingAddress.postalCode must be a ZIP or ZIP+4");
  return ok({ line1: line1.value!, ...(line2.value ? { line2: line2.value } : {}), city: city.value!, state: a.state, postalCode: a.postalCode });
}

/**
 * `PUT /v1/portal/profile`: the phone and / or mailing address (null removes one); any other field,
 * `email` and `name` included, is 400 naming it. A field left out keeps its value.
 */
export async function updateProfile(env: PortalEnv, principal: Principal, input: UpdatePortalProfileRequest): Promise<Result<PortalProfile>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  if (typeof input !== "object" || input === null || Array.isArray(input)) return invalid("body", "type", "The body must be an object");
  for (const key of Object.keys(input)) {
    if (!PROFILE_FIELDS.has(key)) return invalid(key, "unknown_field", `Received unknown parameter: ${key}; only phone and mailingAddress can be changed here`);
  }
  const phoneSent = "phone" in input && input.phone !== undefined;
  if (phoneSent && input.phone !== null && (typeof input.phone !== "string" || input.phone.length > 32 || !PHONE.test(input.phone.trim()))) {
    return invalid("phone", "pattern", "phone must be a phone number (digits, an optional leading +, spaces, dots, dashes, parentheses)");
  }
  const addressSent = "mailingAddress" in input && input.mailingAddress !== undefined;
  const address = addressSent ? checkAddress(input.mailingAddress) : ok(null);
  if (!address.ok) return address;
  const insured = await env.UNDERWRITING.insuredOf(who.orgId, who.insuredId);
  if (!insured) return unauthorized();
  if (phoneSent || addressSent) {
    const phone = phoneSent ? (input.phone === null ? null : input.phone!.trim()) : null;
    await env.PORTAL_DB.prepare(
      `INSERT INTO insured_profiles (insured_id, org_id, phone, phone_set, mailing_address, mailing_address_set, updated_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (insured_id) DO UPDATE SET
         phone = CASE WHEN excluded.phone_set = 1 THEN excluded.phone ELSE insured_profiles.phone END,
         phone_set = max(insured_profiles.phone_set, excluded.phone_set),
         mailing_address = CASE WHEN excluded.mailing_address_set = 1 THEN excluded.mailing_address ELSE insured_profiles.mailing_address END,
         mailing_address_set = max(insured_profiles.mailing_address_set, excluded.mailing_address_set),
         updated_at = excluded.updated_at`,
    )
      .bind(who.insuredId, who.orgId, phone, phoneSent ? 1 : 0, addressSent && address.value ? JSON.stringify(address.value) : null, addressSent ? 1 : 0, realClock.now().toISOString())
      .run();
  }
  return ok(toProfile(insured, await profileRow(env, who.insuredId)));
}

/** An insured keeps at most this many push tokens; the one seen least recently goes first. */
export const MAX_PUSH_TOKENS = 10;
const PLATFORMS = new Set(["ios", "android", "web"]);
const MAX_PUSH_TOKEN_BYTES = 4096;

/**
 * `POST /v1/portal/push-tokens`: one row per insured and token (a repeat refreshes `lastSeenAt` and
 * keeps its id), and at most {@link MAX_PUSH_TOKENS}, pruned in the same batch.
 */
export async function registerPushToken(env: PortalEnv, principal: Principal, input: RegisterPushTokenRequest): Promise<Result<PushTokenRegistration>> {
  const who = insuredOf(principal);
  if (!who) return unauthorized();
  for (const key of Object.keys(input ?? {})) if (key !== "platform" && key !== "token") return invalid(key, "unknown_field", `Received unknown parameter: ${key}`);
  if (typeof input?.platform !== "string" || !PLATFORMS.has(input.platform)) return invalid("platform", "enum", "platform must be one of ios, android, web");
  if (typeof input.token !== "string" || input.token.trim() === "") return invalid("token", "required", "token is required");
  const token = input.token.trim();
  if (new TextEncoder().encode(token).byteLength > MAX_PUSH_TOKEN_BYTES) return invalid("token", "max_bytes", `token must be at most ${MAX_PUSH_TOKEN_BYTES} bytes`);
  const now = realClock.now().toISOString();
  const hash = await sha256Hex(token);
  const [upserted] = await env.PORTAL_DB.batch<{ id: string; platform: PushTokenRegistration["platform"]; created_at: string; last_seen_at: string }>([
    env.PORTAL_DB.prepare(
      `INSERT INTO push_tokens (id, org_id, insured_id, platform, token, token_sha256, created_at, last_seen_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
       ON CONFLICT (insured_id, token_sha256) DO UPDATE SET platform = excluded.platform, last_seen_at = excluded.last_seen_at
       RETURNING id, platform, created_at, last_seen_at`,
    ).bind(newId("ptk"), who.orgId, who.insuredId, input.platform, token, hash, now),
    env.PORTAL_DB.prepare(
      `DELETE FROM push_tokens WHERE insured_id = ?1 AND id NOT IN
         (SELECT id FROM push_tokens WHERE insured_id = ?1 ORDER BY last_seen_at DESC, id DESC LIMIT ?2)`,
    ).bind(who.insuredId, MAX_PUSH_TOKENS),
  ]);
  const row = upserted!.results[0]!;
  return ok({ id: row.id, platform: row.platform, createdAt: row.created_at, lastSeenAt: row.last_seen_at });
}

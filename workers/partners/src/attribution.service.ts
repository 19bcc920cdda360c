/**
 * Attribution (issue 18). A touch is a partner's attribution event naming a submission, or the
 * referral code a submission was created with (touched at the submission's creation). A
 * submission is attributed to its last touch that lies within 90 days before the submission was
 * created, or after it, whose partner is not revoked: revoking a partner stops its touches from
 * attributing from the next computation on.
 *
 * Events are idempotent by `externalId` per org: the first answer is stored with the event (one row,
 * a unique index) and any repeat, concurrent or later, answers it again, so nothing counts twice.
 *
 * The attribution is kept here per submission (`attributions`) and written onto the submission in
 * underwriting (`recordAttribution`) right after; a failed write leaves `synced_at` null and the
 * minute's sweep writes it later. Underwriting never calls this worker.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { AttributionEvent, AttributionEventType, CreateAttributionEventRequest, SubmissionAttribution } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf, DAY_MS, realClock } from "#shared/clock";
import { atomically } from "#shared/db";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { isId, newId } from "#shared/ids";
import type { SubmissionAttributionFacts, SubmissionReferral, UnderwritingInternalRpc } from "#shared/rpc";
import { normalizeCode } from "./partners.service.ts";
import { attributionEvents, attributions, partners, referralCodes } from "./schema.ts";

/** Touches older than this, before the submission was created, attribute nothing. */
export const ATTRIBUTION_WINDOW_DAYS = 90;
/** How far ahead of the server's clock an `occurredAt` may be (client clocks drift). */
const FUTURE_TOLERANCE_MS = 60_000;
const TYPES: readonly AttributionEventType[] = ["click", "lead", "quote", "bind"];
/** Attributions written to underwriting per sweep. */
const SWEEP_BATCH = 50;

interface Touch {
  partnerId: string;
  code: string | null;
  touchedAt: string;
  /** Orders touches at the same instant: the one recorded later wins. */
  order: string;
}

const unprocessable = (field: string, rule: string, message: string) => fail("business_rule_violation", message, { field, rule });

/** The last touch in the window, or null. */
export function lastTouch(submissionCreatedAt: string, touches: Touch[]): SubmissionAttributionFacts | null {
  const opens = new Date(new Date(submissionCreatedAt).getTime() - ATTRIBUTION_WINDOW_DAYS * DAY_MS).toISOString();
  const inWindow = touches.filter((t) => t.touchedAt >= opens);
  inWindow.sort((a, b) => (a.touchedAt === b.touchedAt ? (a.order < b.order ? -1 : 1) : a.touchedAt < b.touchedAt ? -1 : 1));
  const last = inWindow.at(-1);
  return last ? { partnerId: last.partnerId, code: last.code, touchedAt: last.touchedAt } : null;
}

/** The submission's touches as recorded (events of unrevoked partners, and its referral code), plus `extra`. */
async function touchesOf(db: DrizzleD1Database, orgId: string, submission: SubmissionReferral, extra: Touch[] = []): Promise<Touch[]> {
  const events = await db
    .select({ partnerId: attributionEvents.partnerId, code: attributionEvents.code, touchedAt: attributionEvents.occurredAt, order: attributionEvents.id })
    .from(attributionEvents)
    .innerJoin(partners, eq(partners.id, attributionEvents.partnerId))
    .where(and(eq(attributionEvents.orgId, orgId), eq(attributionEvents.submissionId, submission.submissionId), sql`${partners.status} <> 'revoked'`))
    .all();
  const touches: Touch[] = [...events, ...extra];
  if (submission.referralCode) {
    const code = await db
      .select({ partnerId: referralCodes.partnerId, status: referralCodes.status })
      .from(referralCodes)
      .where(and(eq(referralCodes.code, submission.referralCode), eq(referralCodes.orgId, orgId)))
      .get();
    if (code?.status === "active") touches.push({ partnerId: code.partnerId, code: submission.referralCode, touchedAt: submission.createdAt, order: "" });
  }
  return touches;
}

/** The statement keeping the submission's attribution here (unsynced until underwriting has it). */
function saveStatement(orgId: string, submission: SubmissionReferral, attribution: SubmissionAttributionFacts | null, at: string, onlyIfEventId?: string) {
  const values = { partner: attribution?.partnerId ?? null, code: attribution?.code ?? null, touched: attribution?.touchedAt ?? null };
  const guard = onlyIfEventId ? sql`WHERE EXISTS (SELECT 1 FROM attribution_events WHERE id = ${onlyIfEventId})` : sql`WHERE 1`;
  return sql`INSERT INTO attributions (submission_id, org_id, partner_id, code, touched_at, submission_created_at, synced_at, updated_at)
    SELECT ${submission.submissionId}, ${orgId}, ${values.partner}, ${values.code}, ${values.touched}, ${submission.createdAt}, NULL, ${at} ${guard}
    ON CONFLICT (submission_id) DO UPDATE SET partner_id = excluded.partner_id, code = excluded.code, touched_at = excluded.touched_at,
      synced_at = CASE WHEN attributions.partner_id IS excluded.partner_id AND attributions.code IS excluded.code AND attributions.touched_at IS excluded.touched_at THEN attributions.synced_at ELSE NULL END,
      updated_at = CASE WHEN attributions.partner_id IS excluded.partner_id AND attributions.code IS excluded.code AND attributions.touched_at IS excluded.touched_at THEN attributions.updated_at ELSE excluded.updated_at END`;
}

/** Write the submission's attribution onto it in underwriting; on failure the sweep tries again. */
export async function syncAttribution(db: DrizzleD1Database, underwriting: UnderwritingInternalRpc, orgId: string, submissionId: string): Promise<boolean> {
  const row = await db.select().from(attributions).where(and(eq(attributions.orgId, orgId), eq(attributions.submissionId, submissionId))).get();
  if (!row) return true;
  if (row.syncedAt !== null) return true;
  const facts = row.partnerId && row.touchedAt ? { partnerId: row.partnerId, code: row.code, touchedAt: row.touchedAt } : null;
  try {
    const written = await underwriting.recordAttribution(orgId, submissionId, facts);
    if (!written.ok && written.error.code !== "not_found") throw new Error(`${written.error.code}: ${written.error.message}`);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", message: "recording an attribution in underwriting failed; the sweep retries it", orgId, submissionId, error: String(err) }));
    return false;
  }
  // Marked only if nothing changed since it was read (a newer attribution stays unsynced).
  await db
    .update(attributions)
    .set({ syncedAt: realClock.now().toISOString() })
    .where(and(eq(attributions.submissionId, submissionId), eq(attributions.updatedAt, row.updatedAt), isNull(attributions.syncedAt)));
  return true;
}

/**
 * (Re)compute a submission's attribution from its touches and keep it; returns it. Used when
 * underwriting's `submission.created` arrives and before a policy's commission is accrued.
 */
export async function attributeSubmission(db: DrizzleD1Database, underwriting: UnderwritingInternalRpc, orgId: string, submission: SubmissionReferral): Promise<SubmissionAttributionFacts | null> {
  const attribution = lastTouch(submission.createdAt, await touchesOf(db, orgId, submission));
  const existing = await db.select({ id: attributions.submissionId }).from(attributions).where(eq(attributions.submissionId, submission.submissionId)).get();
  if (attribution || existing) {
    await db.run(saveStatement(orgId, submission, attribution, realClock.now().toISOString()));
    await syncAttribution(db, underwriting, orgId, submission.submissionId);
  }
  return attribution;
}

/** The attribution kept here for a submission (null when none). */
export async function attributionOf(db: DrizzleD1Database, orgId: string, submissionId: string): Promise<SubmissionAttributionFacts | null | undefined> {
  const row = await db.select().from(attributions).where(and(eq(attributions.orgId, orgId), eq(attributions.submissionId, submissionId))).get();
  if (!row) return undefined;
  return row.partnerId && row.touchedAt ? { partnerId: row.partnerId, code: row.code, touchedAt: row.touchedAt } : null;
}

async function storedAnswer(db: DrizzleD1Database, orgId: string, externalId: string): Promise<AttributionEvent | null> {
  const row = await db
    .select({ response: attributionEvents.response })
    .from(attributionEvents)
    .where(and(eq(attributionEvents.orgId, orgId), eq(attributionEvents.externalId, externalId)))
    .get();
  return row ? (JSON.parse(row.response) as AttributionEvent) : null;
}

/** `POST /v1/attribution/events`: validate, answer a repeat with the first answer, record, attribute. */
export async function recordAttributionEvent(db: DrizzleD1Database, underwriting: UnderwritingInternalRpc, principal: Principal, input: CreateAttributionEventRequest): Promise<Result<AttributionEvent>> {
  const body = (input ?? {}) as Partial<CreateAttributionEventRequest>;
  if (!TYPES.includes(body.type as AttributionEventType)) return invalid("type", "enum", "type must be one of click, lead, quote, bind");
  const externalId = typeof body.externalId === "string" ? body.externalId.trim() : "";
  if (externalId === "" || externalId.length > 200) return invalid("externalId", "required", "externalId is required (1–200 characters)");
  const code = body.code === undefined ? null : normalizeCode(body.code);
  if (body.code !== undefined && code === null) return invalid("code", "pattern", "code is 4–32 letters, digits, - or _");
  if (body.partnerId !== undefined && !isId("prt", String(body.partnerId))) return invalid("partnerId", "id", "partnerId must be a prt_ id");
  if (code === null && body.partnerId === undefined) return invalid("code", "required", "Give code or partnerId (or both)");
  if (body.submissionId !== undefined && !isId("sub", String(body.submissionId))) return invalid("submissionId", "id", "submissionId must be a sub_ id");
  const now = clockOf(principal).now();
  let occurredAt = now.toISOString();
  if (body.occurredAt !== undefined) {
    const at = new Date(String(body.occurredAt));
    if (Number.isNaN(at.getTime())) return invalid("occurredAt", "datetime", "occurredAt must be an ISO 8601 timestamp");
    if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return invalid("occurredAt", "not_future", "occurredAt must not be in the future");
    occurredAt = at.toISOString();
  }

  const repeat = await storedAnswer(db, principal.orgId, externalId);
  if (repeat) return ok(repeat);

  // Who was touched: the code's partner (another org's code is unknown here), or the partner named.
  let partnerId = body.partnerId ?? null;
  if (code !== null) {
    const row = await db.select().from(referralCodes).where(and(eq(referralCodes.code, code), eq(referralCodes.orgId, principal.orgId))).get();
    if (!row) return unprocessable("code", "known_code", `No referral code ${code} in this org`);
    if (row.status !== "active") return unprocessable("code", "revoked", `The referral code ${code} is revoked`);
    if (partnerId !== null && partnerId !== row.partnerId) return unprocessable("partnerId", "code_partner", `The referral code ${code} is not this partner's`);
    partnerId = row.partnerId;
  }
  const partner = await db.select({ id: partners.id, status: partners.status }).from(partners).where(and(eq(partners.orgId, principal.orgId), eq(partners.id, partnerId!))).get();
  if (!partner) return unprocessable("partnerId", "known_partner", "No such partner in this org");
  if (partner.status === "revoked") return unprocessable("partnerId", "revoked", "The partner is revoked; its touches attribute nothing");

  let submission: SubmissionReferral | null = null;
  if (body.submissionId !== undefined) {
    const found = await underwriting.submissionReferral(principal.orgId, body.submissionId);
    if (!found.ok) return found.error.code === "not_found" ? fail("not_found", "Submission not found", { field: "submissionId" }) : found;
    submission = found.value;
  }

  const id = newId("atr");
  const createdAt = now.toISOString();
  const attribution = submission ? lastTouch(submission.createdAt, await touchesOf(db, principal.orgId, submission, [{ partnerId: partner.id, code, touchedAt: occurredAt, order: id }])) : null;
  const answer: AttributionEvent = {
    id,
    type: body.type as AttributionEventType,
    partnerId: partner.id,
    code,
    submissionId: submission?.submissionId ?? null,
    occurredAt,
    externalId,
    attribution: attribution as SubmissionAttribution | null,
    createdAt,
  };
  const insert = sql`INSERT INTO attribution_events (id, org_id, external_id, type, partner_id, code, submission_id, occurred_at, response, created_at)
    VALUES (${id}, ${principal.orgId}, ${externalId}, ${answer.type}, ${partner.id}, ${code}, ${answer.submissionId}, ${occurredAt}, ${JSON.stringify(answer)}, ${createdAt})
    ON CONFLICT (org_id, external_id) DO NOTHING`;
  // The submission's attribution is kept (and written to underwriting) once there is one to keep or change.
  const keep = submission !== null && (attribution !== null || (await attributionOf(db, principal.orgId, submission.submissionId)) !== undefined);
  const results = await atomically(db, keep ? [insert, saveStatement(principal.orgId, submission!, attribution, createdAt, id)] : [insert]);
  const inserted = (results[0]?.meta.changes ?? 0) > 0;
  if (!inserted) {
    // A concurrent request with the same externalId committed first: its answer is the answer.
    const first = await storedAnswer(db, principal.orgId, externalId);
    if (first) return ok(first);
    throw new Error("attribution event neither inserted nor found");
  }
  if (keep) await syncAttribution(db, underwriting, principal.orgId, submission!.submissionId);
  return ok(answer);
}

/** The cron's sweep: write every attribution a failed call left unsynced. Returns how many were written. */
export async function sweepAttributions(db: DrizzleD1Database, underwriting: UnderwritingInternalRpc): Promise<number> {
  const pending = await db.select({ orgId: attributions.orgId, submissionId: attributions.submissionId }).from(attributions).where(isNull(attributions.syncedAt)).orderBy(asc(attributions.updatedAt)).limit(SWEEP_BATCH).all();
  let written = 0;
  for (const p of pending) if (await syncAttribution(db, underwriting, p.orgId, p.submissionId)) written++;
  return written;
}

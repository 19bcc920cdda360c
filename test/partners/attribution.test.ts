import { describe, expect, it } from "vitest";
import type { CreateAttributionEventRequest } from "#contract/types.gen";
import { sweepAttributions } from "../../workers/partners/src/attribution.service.ts";
import { database } from "../../workers/partners/src/database.ts";
import { handleEvent } from "../../workers/partners/src/queue.consumer.ts";
import { testInstant, TEST_NOW } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { envelope, newPartner, partnersEnv, partnersRpc, registerSubmission, underwriting } from "./harness.ts";

const DAY = 86_400_000;
let seq = 0;
const ext = () => `ext-${++seq}-${crypto.randomUUID().slice(0, 8)}`;
const event = (overrides: Partial<CreateAttributionEventRequest>): CreateAttributionEventRequest => ({ type: "lead", externalId: ext(), ...overrides });

describe("attribution events", () => {
  it("are idempotent by externalId per org: a repeat answers the first event again and counts nothing twice", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const b = await newPartner(p);
    const externalId = ext();
    const first = unwrap(await partnersRpc.recordAttributionEvent(p, { type: "click", code: a.defaultCode, externalId, occurredAt: testInstant(-DAY) }));
    expect(first).toMatchObject({ id: expect.stringMatching(/^atr_/), type: "click", partnerId: a.id, code: a.defaultCode, submissionId: null, occurredAt: testInstant(-DAY), externalId, attribution: null });
    expect(unwrap(await partnersRpc.recordAttributionEvent(p, { type: "click", code: a.defaultCode, externalId, occurredAt: testInstant(-DAY) }))).toEqual(first);
    // Even with another body: the first answer, nothing recorded for partner b.
    expect(unwrap(await partnersRpc.recordAttributionEvent(p, { type: "bind", partnerId: b.id, externalId }))).toEqual(first);
    const rows = await partnersEnv.PARTNERS_DB.prepare("SELECT partner_id FROM attribution_events WHERE org_id = ?").bind(p.orgId).all();
    expect(rows.results).toEqual([{ partner_id: a.id }]);
    // Concurrent repeats: one row, one answer.
    const concurrentId = ext();
    const answers = await Promise.all(Array.from({ length: 5 }, () => partnersRpc.recordAttributionEvent(p, { type: "lead", partnerId: a.id, externalId: concurrentId })));
    const ids = new Set(answers.map((r) => unwrap(r).id));
    expect(ids.size).toBe(1);
    // Another org may use the same externalId for its own event.
    const q = newPrincipal();
    const c = await newPartner(q);
    expect(unwrap(await partnersRpc.recordAttributionEvent(q, { type: "click", partnerId: c.id, externalId })).partnerId).toBe(c.id);
  });

  it("refuses an unknown code or partner (422), another org's or a revoked one's, a future occurredAt (400), and records nothing", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const b = await newPartner(p);
    const foreign = await newPartner(newPrincipal());
    const refused = async (body: CreateAttributionEventRequest) => errorOf(await partnersRpc.recordAttributionEvent(p, body));
    expect(await refused(event({ code: "NOSUCHCODE" }))).toMatchObject({ code: "business_rule_violation", details: { field: "code", rule: "known_code" } });
    expect(await refused(event({ code: foreign.defaultCode }))).toMatchObject({ code: "business_rule_violation", details: { field: "code" } });
    expect(await refused(event({ partnerId: foreign.id }))).toMatchObject({ code: "business_rule_violation", details: { field: "partnerId", rule: "known_partner" } });
    expect(await refused(event({ code: a.defaultCode, partnerId: b.id }))).toMatchObject({ code: "business_rule_violation", details: { rule: "code_partner" } });
    expect(await refused(event({ partnerId: a.id, occurredAt: testInstant(DAY) }))).toMatchObject({ code: "validation_failed", details: { field: "occurredAt", rule: "not_future" } });
    expect(await refused(event({ partnerId: a.id, occurredAt: "yesterday" }))).toMatchObject({ code: "validation_failed", details: { field: "occurredAt" } });
    expect(await refused({ type: "lead", externalId: ext() })).toMatchObject({ code: "validation_failed", details: { field: "code", rule: "required" } });
    expect(await refused({ type: "signup" as never, partnerId: a.id, externalId: ext() })).toMatchObject({ code: "validation_failed", details: { field: "type" } });
    expect(await refused(event({ partnerId: a.id, submissionId: "sub_01JAAAAAAAAAAAAAAAAAAAAAAA" }))).toMatchObject({ code: "not_found", details: { field: "submissionId" } });
    unwrap(await partnersRpc.revokePartner(p, b.id));
    expect(await refused(event({ partnerId: b.id }))).toMatchObject({ code: "business_rule_violation", details: { rule: "revoked" } });
    expect(await refused(event({ code: b.defaultCode }))).toMatchObject({ code: "business_rule_violation", details: { rule: "revoked" } });
    const rows = await partnersEnv.PARTNERS_DB.prepare("SELECT COUNT(*) AS n FROM attribution_events WHERE org_id = ?").bind(p.orgId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("attribute a submission to the last partner touched, and write it onto the submission", async () => {
    const p = newPrincipal();
    const [a, b] = [await newPartner(p), await newPartner(p)];
    const sub = await registerSubmission(p.orgId, testInstant(-2 * DAY));
    const e1 = unwrap(await partnersRpc.recordAttributionEvent(p, event({ type: "click", partnerId: a.id, submissionId: sub.submissionId, occurredAt: testInstant(-12 * DAY) })));
    expect(e1.attribution).toEqual({ partnerId: a.id, code: null, touchedAt: testInstant(-12 * DAY) });
    const e2 = unwrap(await partnersRpc.recordAttributionEvent(p, event({ type: "lead", code: b.defaultCode, submissionId: sub.submissionId, occurredAt: testInstant(-5 * DAY) })));
    expect(e2.attribution).toEqual({ partnerId: b.id, code: b.defaultCode, touchedAt: testInstant(-5 * DAY) });
    // A touch reported late but older than the last one changes nothing.
    const e3 = unwrap(await partnersRpc.recordAttributionEvent(p, event({ type: "click", partnerId: a.id, submissionId: sub.submissionId, occurredAt: testInstant(-8 * DAY) })));
    expect(e3.attribution).toEqual(e2.attribution);
    expect(await underwriting.attributionsForTest(p.orgId)).toEqual([{ submissionId: sub.submissionId, attribution: e2.attribution }]);
    // After the submission: the quote touch is the last one.
    const e4 = unwrap(await partnersRpc.recordAttributionEvent(p, event({ type: "quote", code: a.defaultCode, submissionId: sub.submissionId, occurredAt: testInstant(-DAY) })));
    expect(e4.attribution).toEqual({ partnerId: a.id, code: a.defaultCode, touchedAt: testInstant(-DAY) });
    expect(await underwriting.attributionsForTest(p.orgId)).toEqual([{ submissionId: sub.submissionId, attribution: e4.attribution }]);
  });

  it("count a touch only within 90 days before the submission was created", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const created = TEST_NOW;
    const sub = await registerSubmission(p.orgId, created);
    const outside = unwrap(await partnersRpc.recordAttributionEvent(p, event({ partnerId: a.id, submissionId: sub.submissionId, occurredAt: testInstant(-91 * DAY) })));
    expect(outside.attribution).toBeNull();
    expect(await underwriting.attributionsForTest(p.orgId)).toEqual([]);
    const edge = unwrap(await partnersRpc.recordAttributionEvent(p, event({ partnerId: a.id, submissionId: sub.submissionId, occurredAt: testInstant(-90 * DAY) })));
    expect(edge.attribution).toEqual({ partnerId: a.id, code: null, touchedAt: testInstant(-90 * DAY) });
  });

  it("attribute a submission created with a referral code when its submission.created arrives, once", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const b = await newPartner(p);
    const sub = await registerSubmission(p.orgId, testInstant(-60_000), a.defaultCode);
    const created = envelope(p.orgId, "submission.created", { submissionId: sub.submissionId }, sub.createdAt);
    await handleEvent(partnersEnv, created);
    await handleEvent(partnersEnv, created);
    expect(await underwriting.attributionsForTest(p.orgId)).toEqual([{ submissionId: sub.submissionId, attribution: { partnerId: a.id, code: a.defaultCode, touchedAt: sub.createdAt } }]);
    // A later touch by another partner is the last touch; revoking that partner gives it back to a.
    unwrap(await partnersRpc.recordAttributionEvent(p, event({ type: "quote", partnerId: b.id, submissionId: sub.submissionId })));
    expect((await underwriting.attributionsForTest(p.orgId))[0]!.attribution).toMatchObject({ partnerId: b.id });
    unwrap(await partnersRpc.revokePartner(p, b.id));
    await handleEvent(partnersEnv, envelope(p.orgId, "submission.created", { submissionId: sub.submissionId }, sub.createdAt));
    expect((await underwriting.attributionsForTest(p.orgId))[0]!.attribution).toMatchObject({ partnerId: a.id, code: a.defaultCode });
  });

  it("keeps an attribution underwriting could not take, and the sweep writes it later", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const sub = await registerSubmission(p.orgId, testInstant(-DAY));
    const recorded = unwrap(await partnersRpc.recordAttributionEvent(p, event({ partnerId: a.id, submissionId: sub.submissionId })));
    // As a failed write to underwriting leaves it: kept here, unsynced. The sweep writes it.
    await partnersEnv.PARTNERS_DB.prepare("UPDATE attributions SET synced_at = NULL WHERE submission_id = ?").bind(sub.submissionId).run();
    expect(await sweepAttributions(database(partnersEnv), partnersEnv.UNDERWRITING)).toBeGreaterThanOrEqual(1);
    expect(await underwriting.attributionsForTest(p.orgId)).toEqual([{ submissionId: sub.submissionId, attribution: recorded.attribution }]);
    const row = await partnersEnv.PARTNERS_DB.prepare("SELECT synced_at FROM attributions WHERE submission_id = ?").bind(sub.submissionId).first<{ synced_at: string | null }>();
    expect(row?.synced_at).not.toBeNull();
  });
});

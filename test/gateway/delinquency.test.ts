/**
 * Delinquency through the whole platform (real underwriting, billing, identity and documents): an
 * unpaid invoice past the org's grace days emits `invoice.overdue` and puts its policy in
 * `pending_cancellation` with a notice in the email log; ten days after the notice it is cancelled
 * pro rata for `non_payment` through underwriting's cancellation path, and billing's credits and
 * voids follow; a payment in time restores `active`. The job runs through the sandbox route as of a
 * chosen day (the job's clock only), twice without effect, and catches up after a missed week.
 * Also the org's `graceDays` setting and tenancy.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addDays, daysBetween } from "../../workers/_shared/dates.ts";
import { mulDivRound } from "../../workers/_shared/money.ts";
import { realNow, testDay } from "../support/clock.ts";
import { call, createApiKey, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = realNow() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (realNow() > deadline) throw new Error(`${what} not reached in time: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cents = (n: number) => Math.round(n * 100);
const invoicesOf = async (t: Tenant, policyId: string) =>
  (await json<{ data: Record<string, any>[] }>(await call("GET", `/v1/invoices?policyId=${policyId}&sort=createdAt&limit=100`, { apiKey: t.apiKey }))).data;
const policyOf = async (t: Tenant, id: string) => json(await call("GET", `/v1/policies/${id}`, { apiKey: t.apiKey }));
const run = async (t: Tenant, asOf?: string) => {
  const res = await call("POST", "/v1/sandbox/billing/run-delinquency", { apiKey: t.apiKey, body: asOf ? { asOf } : {} });
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
};
const emailsTo = async (to: string) =>
  (await json<{ data: Record<string, any>[] }>(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(to)}`, { token: env.API_SECRET }))).data;
async function outbox(db: D1Database, orgId: string, type: string) {
  const rows = await db.prepare("SELECT data FROM events WHERE org_id = ? AND type = ? ORDER BY created_at, id").bind(orgId, type).all<{ data: string }>();
  return rows.results.map((r) => JSON.parse(r.data) as Record<string, any>);
}

/** A bound policy with its invoices listed (the consumer runs on the queue). */
async function boundWithInvoices(t: Tenant, plan: string, count: number, email: string) {
  const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insuredEmail: email }), plan);
  const invoices = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.length === count, "the bind's invoices");
  return { policy, invoices };
}

const uniqueEmail = (label: string) => `${label}-${crypto.randomUUID().slice(0, 8)}@insured.example`;

describe("delinquency", () => {
  it("overdue → pending_cancellation with a notice → cancelled pro rata for non_payment, with the return premium credited and the rest voided", async () => {
    const t = await createTenant();
    const email = uniqueEmail("quarterly");
    const { policy, invoices } = await boundWithInvoices(t, "QUARTERLY", 4, email);
    const first = invoices[0]!;
    const due = first.dueDate as string;

    // One day short of the grace: nothing.
    expect(await run(t, addDays(due, 14))).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
    expect((await policyOf(t, policy.id)).status).toBe("active");

    const since = addDays(due, 15);
    expect(await run(t, since)).toEqual({ asOf: since, overdue: 1, pendingCancellation: 1, cancelled: 0, restored: 0, deferred: 0 });
    const pending = await policyOf(t, policy.id);
    expect(pending.status).toBe("pending_cancellation");
    expect(pending.pendingCancellation).toEqual({ reason: "non_payment", invoiceId: first.id, since, noticeDate: since, cancelOn: addDays(since, 10) });
    const listed = await json(await call("GET", "/v1/policies?status=pending_cancellation", { apiKey: t.apiKey }));
    expect(listed.data.map((p: { id: string }) => p.id)).toEqual([policy.id]);
    expect((await json(await call("GET", "/v1/policies?status=active", { apiKey: t.apiKey }))).data).toEqual([]);

    const notices = await emailsTo(email);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: "pending_cancellation_notice", subject: `Notice of pending cancellation: policy ${policy.policyNumber}` });
    expect(notices[0]!.body).toContain(first.number);
    expect(notices[0]!.body).toContain(`effective ${addDays(since, 10)}`);
    expect(await outbox(env.BILLING_DB, t.orgId, "invoice.overdue")).toEqual([
      { invoiceId: first.id, number: first.number, policyId: policy.id, dueDate: due, amountDue: first.amountDue, currency: "USD", graceDays: 15 },
    ]);
    expect(await outbox(env.UNDERWRITING_DB, t.orgId, "policy.pending_cancellation")).toEqual([
      { policyId: policy.id, policyNumber: policy.policyNumber, reason: "non_payment", invoiceId: first.id, since, noticeDate: since, cancelOn: addDays(since, 10) },
    ]);
    // Endorsing a policy pending cancellation is refused; it is in force, so claims and certificates still see it.
    const endorse = await call("POST", `/v1/policies/${policy.id}/endorse`, { apiKey: t.apiKey, body: { effectiveDate: since, changes: { annualRevenue: 9000000 } } });
    expect(endorse.status).toBe(422);

    // Nine days after the notice: still pending.
    expect(await run(t, addDays(since, 9))).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
    const cancelOn = addDays(since, 10);
    expect(await run(t, cancelOn)).toMatchObject({ cancelled: 1, overdue: 0, pendingCancellation: 0 });
    const cancelled = await policyOf(t, policy.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.pendingCancellation).toBeNull();
    const termDays = daysBetween(policy.effectiveDate, policy.expirationDate);
    const unexpired = daysBetween(cancelOn, policy.expirationDate);
    const returned = mulDivRound(cents(policy.annualPremium), unexpired, termDays);
    expect(cancelled.cancellation).toEqual({ effectiveDate: cancelOn, method: "pro_rata", reason: "non_payment", returnPremium: returned / 100 });
    const timeline = await json(await call("GET", `/v1/policies/${policy.id}/timeline`, { apiKey: t.apiKey }));
    expect(timeline.data.at(-1)).toMatchObject({ type: "cancellation", effectiveDate: cancelOn, actor: "system:billing-delinquency", details: { reason: "non_payment", method: "pro_rata" } });

    // Billing follows the cancellation's event: installments due after it are voided, and the return
    // premium beyond what they billed is credited to the unpaid first invoice.
    const after = await eventually(() => invoicesOf(t, policy.id), (xs) => xs.filter((i) => i.status === "void").length === 3, "the cancellation's voids");
    const premiumOf = (inv: Record<string, any>) => inv.lines.filter((l: { kind: string }) => l.kind === "premium").reduce((s: number, l: { amount: number }) => s + cents(l.amount), 0);
    const voidedPremium = after.slice(1).reduce((s, i) => s + premiumOf(i), 0);
    expect(after.slice(1).map((i) => i.status)).toEqual(["void", "void", "void"]);
    const firstAfter = after[0]!;
    expect(firstAfter.status).toBe("open");
    expect(cents(firstAfter.amountCredited)).toBe(returned - voidedPremium);
    expect(cents(firstAfter.amountDue)).toBe(cents(first.amountDue) - (returned - voidedPremium));
    // Written premium after the cancellation is what the policy still bills: invoiced premium less every premium credit.
    expect(premiumOf(firstAfter) - (returned - voidedPremium)).toBe(cents(cancelled.writtenPremium));

    // Running again, as of the same day or later, changes nothing.
    expect(await run(t, cancelOn)).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0, restored: 0 });
    expect(await run(t, addDays(cancelOn, 30))).toMatchObject({ pendingCancellation: 0, cancelled: 0 });
    expect(await emailsTo(email)).toHaveLength(1);
    expect(await outbox(env.BILLING_DB, t.orgId, "invoice.overdue")).toHaveLength(1);
    expect(await outbox(env.UNDERWRITING_DB, t.orgId, "policy.pending_cancellation")).toHaveLength(1);
    expect((await outbox(env.UNDERWRITING_DB, t.orgId, "policy.cancelled")).length).toBe(1);
  });

  it("a payment in the grace period restores active, and the cancellation date then passes without effect", async () => {
    const t = await createTenant();
    const { policy, invoices } = await boundWithInvoices(t, "PIF", 1, uniqueEmail("pif"));
    const due = invoices[0]!.dueDate as string;
    expect(await run(t, addDays(due, 15))).toMatchObject({ overdue: 1, pendingCancellation: 1 });
    expect((await policyOf(t, policy.id)).status).toBe("pending_cancellation");

    // A partial payment leaves it pending; paying the rest lifts it at once (billing → underwriting RPC).
    const half = Math.floor(cents(invoices[0]!.amountDue) / 2) / 100;
    expect((await call("POST", `/v1/invoices/${invoices[0]!.id}/pay`, { apiKey: t.apiKey, body: { amount: half, method: "check", reference: "CHK 1" } })).status).toBe(200);
    expect((await policyOf(t, policy.id)).status).toBe("pending_cancellation");
    const rest = (cents(invoices[0]!.amountDue) - cents(half)) / 100;
    const paid = await call("POST", `/v1/invoices/${invoices[0]!.id}/pay`, { apiKey: t.apiKey, body: { amount: rest, method: "wire", reference: "WIRE 2" } });
    expect((await json(paid)).status).toBe("paid");
    const restored = await policyOf(t, policy.id);
    expect(restored.status).toBe("active");
    expect(restored.pendingCancellation).toBeNull();

    expect(await run(t, addDays(due, 25))).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
    expect(await run(t, addDays(due, 60))).toMatchObject({ overdue: 0, pendingCancellation: 0, cancelled: 0 });
    expect((await policyOf(t, policy.id)).status).toBe("active");
    expect(await outbox(env.UNDERWRITING_DB, t.orgId, "policy.cancelled")).toEqual([]);
  });

  it("catches up after a missed week in one run: the notice gives ten days from when it is given, the cancellation is dated as recorded", async () => {
    const t = await createTenant();
    const email = uniqueEmail("missed");
    const { policy, invoices } = await boundWithInvoices(t, "PIF", 1, email);
    const due = invoices[0]!.dueDate as string;
    const since = addDays(due, 15);
    // The job did not run for a week after the invoice became delinquent.
    const late = addDays(since, 7);
    expect(await run(t, late)).toMatchObject({ overdue: 1, pendingCancellation: 1, cancelled: 0 });
    expect((await policyOf(t, policy.id)).pendingCancellation).toEqual({ reason: "non_payment", invoiceId: invoices[0]!.id, since, noticeDate: late, cancelOn: addDays(late, 10) });
    // Then another missed week past the cancellation date: one run cancels, as of the recorded date.
    expect(await run(t, addDays(late, 17))).toMatchObject({ cancelled: 1 });
    const cancelled = await policyOf(t, policy.id);
    expect(cancelled).toMatchObject({ status: "cancelled", cancellation: { effectiveDate: addDays(late, 10), reason: "non_payment", method: "pro_rata" } });
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it("reads each org's own graceDays, validates the setting, and never touches another org", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const defaults = await call("GET", "/v1/billing/settings", { apiKey: t.apiKey });
    expect(await json(defaults)).toEqual({ graceDays: 15, cancellationNoticeDays: 10, updatedAt: null });
    for (const bad of [0, 91, 3.5, "7"]) {
      const res = await call("PATCH", "/v1/billing/settings", { apiKey: t.apiKey, body: { graceDays: bad } });
      expect(res.status, String(bad)).toBe(400);
      expect(await json(res)).toMatchObject({ error: "validation_failed", details: { field: "graceDays" } });
    }
    const reader = await createApiKey(t.token, { scopes: ["invoices:read"] });
    expect((await call("PATCH", "/v1/billing/settings", { apiKey: reader.key, body: { graceDays: 5 } })).status).toBe(403);
    expect((await call("POST", "/v1/sandbox/billing/run-delinquency", { apiKey: reader.key, body: {} })).status).toBe(403);
    const set = await call("PATCH", "/v1/billing/settings", { apiKey: t.apiKey, body: { graceDays: 5 } });
    expect(set.status).toBe(200);
    expect(await json(set)).toMatchObject({ graceDays: 5, cancellationNoticeDays: 10 });
    expect((await json(await call("GET", "/v1/billing/settings", { apiKey: other.apiKey }))).graceDays).toBe(15);

    const mine = await boundWithInvoices(t, "PIF", 1, uniqueEmail("short-grace"));
    const theirs = await boundWithInvoices(other, "PIF", 1, uniqueEmail("default-grace"));
    const due = mine.invoices[0]!.dueDate as string;
    // The other org's run, however late, is confined to the other org.
    expect(await run(other, addDays(due, 5))).toMatchObject({ overdue: 0 });
    expect(await run(t, addDays(due, 5))).toMatchObject({ overdue: 1, pendingCancellation: 1 });
    expect((await policyOf(t, mine.policy.id)).status).toBe("pending_cancellation");
    expect((await policyOf(other, theirs.policy.id)).status).toBe("active");
    expect((await call("GET", `/v1/policies/${mine.policy.id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect(await outbox(env.BILLING_DB, other.orgId, "invoice.overdue")).toEqual([]);
    // A bad asOf names the field.
    const bad = await call("POST", "/v1/sandbox/billing/run-delinquency", { apiKey: t.apiKey, body: { asOf: "2027-02-30" } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: "validation_failed", details: { field: "asOf" } });
  });
});

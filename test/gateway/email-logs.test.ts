/**
 * Every platform email goes through the email connector: through the whole platform, a team
 * invitation, a policyholder's sign-in code and a delinquency notice are each rendered from their
 * platform template, land in the sandbox email log as before, and appear in the org's
 * `GET /v1/connectors/email/logs` with their kind and template, delivered (`sent`, the sandbox log's
 * id as message id) by the email queue's consumer. Another org's log shows none of them.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { addDays } from "../../workers/_shared/dates.ts";
import { realNow, testDay } from "../support/clock.ts";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { bindPolicy, glSubmission } from "./lifecycle-harness.ts";
import { bindFor, requestCode, uniqueEmail, waitForCodes } from "./portal-harness.ts";

interface Log {
  id: string;
  to: string;
  kind: string;
  template: string | null;
  status: string;
  messageId: string | null;
  emailId: string | null;
  sentBy: string;
}

/** The org's connector log entry to `to` of `kind`, once the queue's consumer has delivered it. */
function deliveredLog(t: Tenant, to: string, kind: string): Promise<Log> {
  return vi.waitFor(
    async () => {
      const page = await json<{ data: Log[] }>(await call("GET", "/v1/connectors/email/logs?limit=100", { token: t.token }));
      const log = page.data.find((l) => l.to === to && l.kind === kind);
      if (log?.status !== "sent") throw new Error(`no sent ${kind} to ${to} yet: ${JSON.stringify(page.data)}`);
      return log;
    },
    { timeout: 15_000, interval: 100 },
  );
}

const sandboxEmails = async (to: string) =>
  (await json<{ data: { id: string; kind: string; subject: string; body: string }[] }>(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(to)}&limit=100`, { token: env.API_SECRET }))).data;

async function expectOnlyInOwnLog(log: Log) {
  const other = await createTenant();
  const page = await json<{ data: Log[] }>(await call("GET", "/v1/connectors/email/logs?limit=100", { token: other.token }));
  expect(page.data.map((l) => l.id)).not.toContain(log.id);
}

/** The bound policy's invoices once billing has written them (the consumer runs on the queue). */
async function invoicesOf(t: Tenant, policyId: string, count: number) {
  const deadline = realNow() + 20_000;
  for (;;) {
    const invoices = (await json<{ data: { id: string; dueDate: string; number: string; amountDue: number }[] }>(await call("GET", `/v1/invoices?policyId=${policyId}&sort=createdAt&limit=100`, { apiKey: t.apiKey }))).data;
    if (invoices.length >= count) return invoices;
    if (realNow() > deadline) throw new Error("the bind's invoices did not appear");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the platform's own emails in the org's connector log", () => {
  it("a team invitation: from the invitation template, in the sandbox log and the org's log, sent", async () => {
    const t = await createTenant();
    const to = uniqueEmail("teammate");
    const res = await call("POST", "/v1/team/invite", { token: t.token, body: { email: to, role: "underwriter" } });
    expect(res.status, await res.clone().text()).toBe(201);
    const log = await deliveredLog(t, to, "team_invitation");
    expect(log).toMatchObject({ template: "invitation", sentBy: "platform" });
    const [mail] = await sandboxEmails(to);
    expect(mail).toMatchObject({ id: log.emailId, kind: "team_invitation" });
    expect(mail!.body).toContain(`as underwriter`);
    expect(log.messageId).toBe(log.emailId);
    await expectOnlyInOwnLog(log);
  });

  it("a partner's invitation: from the partner_invitation template, in the sandbox log and the org's log, sent", async () => {
    const t = await createTenant();
    const to = uniqueEmail("partner");
    const created = await call("POST", "/v1/partners", { apiKey: t.apiKey, body: { name: "Payroll App", contactEmail: to, landingUrl: "https://payroll.example/insurance", commissionRate: 10 } });
    expect(created.status, await created.clone().text()).toBe(201);
    const partner = await json<{ id: string }>(created);
    const invited = await call("POST", `/v1/partners/${partner.id}/invite`, { apiKey: t.apiKey });
    expect(invited.status, await invited.clone().text()).toBe(200);
    const log = await deliveredLog(t, to, "partner_invitation");
    expect(log).toMatchObject({ template: "partner_invitation", sentBy: "platform" });
    expect((await sandboxEmails(to)).map((m) => m.id)).toContain(log.emailId);
    await expectOnlyInOwnLog(log);
  });

  it("a policyholder's sign-in code: from the policyholder_code template, in the org's log", async () => {
    const t = await createTenant();
    const to = uniqueEmail("holder");
    await bindFor(t, to);
    expect((await requestCode(to)).status).toBe(202);
    const [code] = await waitForCodes(to);
    expect(code!.code).toMatch(/^\d{6}$/);
    const log = await deliveredLog(t, to, "policyholder_code");
    expect(log).toMatchObject({ template: "policyholder_code", sentBy: "platform" });
    expect((await sandboxEmails(to)).map((m) => m.id)).toContain(log.emailId);
    await expectOnlyInOwnLog(log);
  });

  it("a delinquency notice: from the delinquency_notice template, in the org's log", async () => {
    const t = await createTenant();
    const to = uniqueEmail("unpaid");
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insuredEmail: to }), "QUARTERLY");
    const invoices = await invoicesOf(t, policy.id, 4);
    const ran = await call("POST", "/v1/sandbox/billing/run-delinquency", { apiKey: t.apiKey, body: { asOf: addDays(invoices[0]!.dueDate, 15) } });
    expect(ran.status, await ran.clone().text()).toBe(200);
    expect(await json(ran)).toMatchObject({ pendingCancellation: 1 });
    const log = await deliveredLog(t, to, "pending_cancellation_notice");
    expect(log).toMatchObject({ template: "delinquency_notice", sentBy: "platform" });
    const [notice] = await sandboxEmails(to);
    expect(notice).toMatchObject({ id: log.emailId, subject: `Notice of pending cancellation: policy ${policy.policyNumber}` });
    expect(notice!.body).toContain(invoices[0]!.number);
    await expectOnlyInOwnLog(log);
  });

  it("a payment receipt: once per payment recorded on an invoice, from the payment_receipt template, to the insured", async () => {
    const t = await createTenant();
    const to = uniqueEmail("payer");
    const policy = await bindPolicy(t.apiKey, glSubmission({ effectiveDate: testDay(10), insuredEmail: to }), "QUARTERLY");
    const [first] = await invoicesOf(t, policy.id, 4);
    const half = Math.floor(Math.round(first!.amountDue * 100) / 2) / 100;
    const pay = (reference: string, key: string) => call("POST", `/v1/invoices/${first!.id}/pay`, { apiKey: t.apiKey, body: { amount: half, method: "check", reference }, headers: { "idempotency-key": key } });
    expect((await pay("CHK 1", "receipt-pay-1")).status).toBe(200);
    const log = await deliveredLog(t, to, "payment_receipt");
    expect(log).toMatchObject({ template: "payment_receipt", sentBy: "platform" });
    const receipts = async () => (await sandboxEmails(to)).filter((m) => m.kind === "payment_receipt");
    const [receipt] = await receipts();
    expect(receipt).toMatchObject({ id: log.emailId, subject: `Payment received: invoice ${first!.number}` });
    expect(receipt!.body).toContain(`USD ${half.toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
    expect(receipt!.body).toContain(`policy ${policy.policyNumber} (paid by check)`);

    // The same request replayed records no payment and sends no receipt; a second payment gets its own.
    expect((await pay("CHK 1", "receipt-pay-1")).status).toBe(200);
    expect((await pay("CHK 2", "receipt-pay-2")).status).toBe(200);
    await vi.waitFor(
      async () => {
        if ((await receipts()).length < 2) throw new Error("second receipt not yet sent");
      },
      { timeout: 15_000, interval: 100 },
    );
    const rows = await env.BILLING_DB.prepare("SELECT state, email_id FROM payment_receipts WHERE org_id = ? AND invoice_id = ?").bind(t.orgId, first!.id).all<{ state: string; email_id: string }>();
    expect(rows.results.map((r) => r.state)).toEqual(["sent", "sent"]);
    expect((await receipts()).map((m) => m.id).sort()).toEqual(rows.results.map((r) => r.email_id).sort());
    await expectOnlyInOwnLog(log);
  });
});

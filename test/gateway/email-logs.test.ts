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
    const deadline = realNow() + 20_000;
    let invoices: { dueDate: string; number: string }[] = [];
    while (invoices.length < 4) {
      if (realNow() > deadline) throw new Error("the bind's invoices did not appear");
      invoices = (await json<{ data: { dueDate: string; number: string }[] }>(await call("GET", `/v1/invoices?policyId=${policy.id}&sort=createdAt&limit=100`, { apiKey: t.apiKey }))).data;
      if (invoices.length < 4) await new Promise((r) => setTimeout(r, 100));
    }
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
});

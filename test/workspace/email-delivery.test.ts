/**
 * The email queue's consumer (workers/workspace/src/connectors/email-delivery.ts), through queue
 * batches: the production path sends through Resend's SDK to the local stand-in
 * (test/support/email-standin.setup.ts) — sent with the provider's id; a 5xx retried with backoff and
 * sent once; a 4xx failed with the provider's error; a 429 until the last attempt, failed — and the
 * development path ends `sent` in the sandbox email log without calling any provider. Also the
 * platform's templates in the connector: listed read-only beside the org's, names reserved, sendable.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { EMAIL_DLQ, EMAIL_QUEUE, type EmailQueueMessage } from "../../workers/_shared/email-queue.ts";
import { PLATFORM_EMAIL_TEMPLATES, REDACTED, renderPlatformEmail } from "../../workers/_shared/email-templates.ts";
import { newId } from "../../workers/_shared/ids.ts";
import { EMAIL_MAX_ATTEMPTS, handleEmailQueue } from "../../workers/workspace/src/connectors/email-delivery.ts";
import { emailLogs } from "../../workers/workspace/src/connectors/schema.ts";
import { registry } from "../../workers/registry.ts";
import type { WorkspaceEnv } from "../../workers/workspace/src/env.ts";
import { realIso, realNow } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { workspaceRpc } from "./harness.ts";

const workspaceEnv = env as unknown as WorkspaceEnv;
const db = drizzle(workspaceEnv.WORKSPACE_DB);
/** The worker as deployed: production, its key set, Resend's SDK pointed at the stand-in. */
const production: WorkspaceEnv = { ...workspaceEnv, ENVIRONMENT: "production", EMAIL_API_KEY: env.EMAIL_STANDIN_KEY, EMAIL_API_BASE_URL: env.EMAIL_API_BASE_URL };
const identity = (env as unknown as { IDENTITY: { emailsForTest(orgId: string): Promise<{ id: string; to: string; subject: string; body: string; kind: string }[]> } }).IDENTITY;

let seq = 0;
const unique = () => `${(++seq).toString(36)}${crypto.randomUUID().slice(0, 8)}`;

function email(to: string, overrides: Partial<EmailQueueMessage> = {}): EmailQueueMessage {
  return { kind: "email", emailId: newId("eml"), orgId: newPrincipal().orgId, to, subject: "Your certificate of insurance is ready", body: "Certificate COI-1 for policy POL-1 is ready.", emailKind: "portal_certificate_ready", template: "certificate_ready", sentBy: null, createdAt: realIso(), ...overrides };
}

/**
 * One batch of one message through the consumer, as the queue hands it over the `attempts`-th time:
 * what it acknowledged and what it retried with which delay (the message records both, as the
 * runtime would act on them).
 */
async function deliver(target: WorkspaceEnv, message: EmailQueueMessage, attempts = 1, queue = EMAIL_QUEUE) {
  const result = { explicitAcks: [] as string[], retryMessages: [] as { msgId: string; delaySeconds?: number }[] };
  const id = `msg-${unique()}`;
  const msg = {
    id,
    timestamp: new Date(realNow()),
    attempts,
    body: message,
    ack: () => void result.explicitAcks.push(id),
    retry: (options?: QueueRetryOptions) => void result.retryMessages.push({ msgId: id, ...(options?.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }) }),
  };
  const batch = { queue, messages: [msg], ackAll: () => {}, retryAll: () => {}, metadata: {} } as unknown as MessageBatch<unknown>;
  await handleEmailQueue(batch, target, db);
  return result;
}

const logOf = (emailId: string) => db.select().from(emailLogs).where(eq(emailLogs.emailId, emailId)).get();

/** What the stand-in received for `to`: every request, and the emails it accepted (once per key). */
async function provider(to: string) {
  const read = async (path: string) => ((await (await fetch(`${env.EMAIL_API_BASE_URL}${path}?to=${encodeURIComponent(to)}`)).json()) as { data: { id?: string; status: number; idempotencyKey: string | null; subject: string; text: string; from: string }[] }).data;
  return { requests: await read("/_standin/requests"), accepted: await read("/_standin/emails") };
}

describe("email delivery in production: Resend's SDK against the local stand-in", () => {
  it("sends once with the outbox id as the idempotency key, and logs it sent with the provider's message id", async () => {
    const to = `ok-${unique()}@example.com`;
    const message = email(to);
    const result = await deliver(production, message);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    const { requests, accepted } = await provider(to);
    expect(requests).toHaveLength(1);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ idempotencyKey: message.emailId, subject: message.subject, text: message.body, from: "OpenInsure <no-reply@openinsure.dev>" });
    const row = await logOf(message.emailId);
    expect(row).toMatchObject({ orgId: message.orgId, to, status: "sent", messageId: accepted[0]!.id, error: null, attempts: 1, kind: "portal_certificate_ready", template: "certificate_ready", sentBy: "platform" });

    // The same email again (a redelivery, or the sweep's second copy): acknowledged, nothing sent.
    const again = await deliver(production, message, 2);
    expect(again.explicitAcks).toHaveLength(1);
    expect((await provider(to)).requests).toHaveLength(1);
    expect((await logOf(message.emailId))!.attempts).toBe(1);
  });

  it("a 5xx is retried with backoff and then sent once: the log goes queued → sent", async () => {
    const to = `flaky-1-${unique()}@example.com`;
    const message = email(to);
    const first = await deliver(production, message, 1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toEqual([{ msgId: expect.any(String), delaySeconds: 30 }]);
    expect(await logOf(message.emailId)).toMatchObject({ status: "queued", messageId: null, attempts: 1, error: "500 internal_server_error: An unexpected error occurred." });

    const second = await deliver(production, message, 2);
    expect(second.explicitAcks).toHaveLength(1);
    const { requests, accepted } = await provider(to);
    expect(requests.map((r) => [r.status, r.idempotencyKey])).toEqual([
      [500, message.emailId],
      [200, message.emailId],
    ]);
    expect(accepted).toHaveLength(1);
    expect(await logOf(message.emailId)).toMatchObject({ status: "sent", messageId: accepted[0]!.id, attempts: 2, error: null });
  });

  it("the backoff doubles each attempt, and a 429 on the last attempt ends failed with the provider's error", async () => {
    const to = `limited-${unique()}@example.com`;
    const message = email(to);
    const delays: (number | undefined)[] = [];
    for (let attempt = 1; attempt < EMAIL_MAX_ATTEMPTS; attempt++) delays.push((await deliver(production, message, attempt)).retryMessages[0]?.delaySeconds);
    expect(delays).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect((await logOf(message.emailId))!.status).toBe("queued");
    const last = await deliver(production, message, EMAIL_MAX_ATTEMPTS);
    expect(last.explicitAcks).toHaveLength(1);
    const row = await logOf(message.emailId);
    expect(row).toMatchObject({ status: "failed", messageId: null, attempts: EMAIL_MAX_ATTEMPTS });
    expect(row!.error).toBe(`gave up after ${EMAIL_MAX_ATTEMPTS} attempts: 429 rate_limit_exceeded: Too many requests. You can only make 2 requests per second.`);
    expect((await provider(to)).accepted).toEqual([]);
  });

  it("a permanent 4xx ends failed at once with the provider's status and message, never the key", async () => {
    const to = `reject-${unique()}@example.com`;
    const message = email(to);
    const result = await deliver(production, message);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    const row = await logOf(message.emailId);
    expect(row).toMatchObject({ status: "failed", messageId: null, attempts: 1, error: `422 validation_error: The address ${to} cannot receive email.` });
    expect(row!.error).not.toContain(env.EMAIL_STANDIN_KEY);
  });

  it("a wrong key is the provider's 401, failed without the key; no key at all is retried until one is set", async () => {
    const to = `ok-${unique()}@example.com`;
    const wrongKey = "re_wrong_key_aaaaaaaaaaaaaaaa";
    const refused = email(to);
    await deliver({ ...production, EMAIL_API_KEY: wrongKey }, refused);
    const row = await logOf(refused.emailId);
    expect(row).toMatchObject({ status: "failed", error: "401 missing_api_key: Missing API key in the authorization header." });
    expect(row!.error).not.toContain(wrongKey);

    const unset = email(to);
    const result = await deliver({ ...production, EMAIL_API_KEY: undefined }, unset);
    expect(result.retryMessages).toEqual([{ msgId: expect.any(String), delaySeconds: 30 }]);
    expect(await logOf(unset.emailId)).toMatchObject({ status: "queued", error: "EMAIL_API_KEY is not set" });
  });

  it("a dead-lettered email is marked failed, keeping the last error; a sent one is left sent", async () => {
    const to = `flaky-5-${unique()}@example.com`;
    const message = email(to);
    await deliver(production, message, 1);
    await deliver(production, message, 1, EMAIL_DLQ);
    const row = await logOf(message.emailId);
    expect(row).toMatchObject({ status: "failed" });
    expect(row!.error).toBe(`undeliverable: dead-lettered after ${EMAIL_MAX_ATTEMPTS} attempts (500 internal_server_error: An unexpected error occurred.)`);

    const sent = email(`ok-${unique()}@example.com`);
    await deliver(production, sent);
    await deliver(production, sent, 1, EMAIL_DLQ);
    expect((await logOf(sent.emailId))!.status).toBe("sent");
  });
});

describe("email delivery in development: the sandbox email log is the delivery", () => {
  it("marks the email sent with the outbox's id as its message id and calls no provider", async () => {
    const to = `ok-${unique()}@example.com`;
    const message = email(to);
    const result = await deliver(workspaceEnv, message);
    expect(workspaceEnv.ENVIRONMENT).toBe("development");
    expect(result.explicitAcks).toHaveLength(1);
    expect(await logOf(message.emailId)).toMatchObject({ status: "sent", messageId: message.emailId, attempts: 1, error: null });
    expect((await provider(to)).requests).toEqual([]);
  });
});

describe("the platform's templates in the email connector", () => {
  it("are listed beside the org's own, read-only and paged with them; their names are reserved", async () => {
    const p = newPrincipal();
    const own = unwrap(await workspaceRpc.createEmailTemplate(p, { name: "renewal_reminder", subject: "Renewal of {{policyNumber}}", body: "Dear {{name}}." }));
    const all = unwrap(await workspaceRpc.listEmailTemplates(p, { limit: 100 }));
    expect(all.data[0]).toEqual(own);
    const platform = all.data.filter((t) => t.source === "platform");
    expect(platform.map((t) => t.name).sort()).toEqual(PLATFORM_EMAIL_TEMPLATES.map((t) => t.name).sort());
    for (const name of ["verification_code", "invitation", "policyholder_code", "payment_receipt", "delinquency_notice", "certificate_ready", "partner_invitation"]) {
      expect(platform.map((t) => t.name)).toContain(name);
    }
    expect(platform.find((t) => t.name === "payment_receipt")).toMatchObject({ description: expect.any(String), variables: expect.arrayContaining(["amount", "invoiceNumber", "policyNumber"]) });
    // Paged two at a time, the pages hold every template once, in the same order.
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = unwrap(await workspaceRpc.listEmailTemplates(p, { limit: 2, ...(cursor ? { cursor } : {}) }));
      paged.push(...page.data.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all.data.map((t) => t.id));
    expect(errorOf(await workspaceRpc.createEmailTemplate(p, { name: "invitation", subject: "Hi", body: "x" }))).toMatchObject({ code: "conflict", details: { field: "name", rule: "reserved" } });
  });

  it("one is sent by name with data: rendered from the catalogue and logged with its template", async () => {
    const p = newPrincipal();
    const data = { insuredName: "Ada Lovelace", currency: "USD", amount: "1,250.00", receivedAt: "2027-01-15", invoiceNumber: "INV-7", policyNumber: "POL-7", method: "card", amountDue: "0.00", paymentId: "pay_1", issuer: "Pacific Coast Agency" };
    const { amount: _, ...withoutAmount } = data;
    const missing = await workspaceRpc.sendEmail(p, { to: "ada@example.com", template: "payment_receipt", data: withoutAmount });
    expect(errorOf(missing)).toMatchObject({ code: "validation_failed", details: { field: "data.amount", rule: "required" } });
    expect(errorOf(await workspaceRpc.sendEmail(p, { to: "ada@example.com", template: "payment_receipt", data, variables: data }))).toMatchObject({ code: "validation_failed", details: { field: "data" } });
    const sent = unwrap(await workspaceRpc.sendEmail(p, { to: "ada@example.com", template: "payment_receipt", data }));
    expect(sent).toMatchObject({ subject: "Payment received: invoice INV-7", kind: "template:payment_receipt", template: "payment_receipt", status: "queued", sentBy: p.actorId, attempts: 0 });
    const outbox = await identity.emailsForTest(p.orgId);
    expect(outbox).toEqual([expect.objectContaining({ id: sent.emailId, kind: "connector_template" })]);
    expect(outbox[0]!.body).toContain("We received your payment of USD 1,250.00 on 2027-01-15 for invoice INV-7 of policy POL-7");
  });
});

describe("the platform's templates and the queue's settings", () => {
  it("a template's secrets are redacted in production's stored copy and whole in the copy delivered", () => {
    const data = { orgName: "Pacific Coast Agency", role: "underwriter", acceptUrl: "https://app.example/accept", invitationId: "itn_1", token: "tok-secret-123", expiresAt: "2027-01-08" };
    const prod = unwrap(renderPlatformEmail("invitation", data, { production: true }));
    expect(prod.body).not.toContain("tok-secret-123");
    expect(prod.body).toContain(`token=${REDACTED}`);
    expect(prod.deliveryBody).toContain("https://app.example/accept?invitation=itn_1&token=tok-secret-123");
    expect(prod.subject).toBe("You are invited to join Pacific Coast Agency on OpenInsure");
    const dev = unwrap(renderPlatformEmail("invitation", data, { production: false }));
    expect(dev.body).toBe(prod.deliveryBody);
    expect(dev.deliveryBody).toBeUndefined();
    expect(errorOf(renderPlatformEmail("invitation", { ...data, token: undefined } as unknown as Record<string, string>, { production: true }))).toMatchObject({ details: { field: "data.token", rule: "required" } });
  });

  it("the consumer's last attempt is the registry's max_retries + 1, and the queue has its dead-letter consumer", () => {
    const consume = registry().get("workspace").queues!.consume!;
    expect(consume.find((q) => q.queue === EMAIL_QUEUE)).toMatchObject({ maxRetries: EMAIL_MAX_ATTEMPTS - 1, deadLetterQueue: EMAIL_DLQ });
    expect(consume.map((q) => q.queue)).toContain(EMAIL_DLQ);
    expect(registry().get("identity").queues!.produce!.map((q) => q.queue)).toContain(EMAIL_QUEUE);
  });
});

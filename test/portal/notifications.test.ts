/**
 * Notifications to insureds against the portal's real D1, with underwriting, billing, identity and
 * the flags played by in-test fakes: each is sent once per cause (email and each push token), pushes
 * go to the sandbox log in development and to FCM HTTP v1 in production (a service-account JWT
 * signed RS256, exchanged for an access token, verified here with the public key), the triggers map
 * events and due invoices to their insured, and the queue consumer acks or retries each message.
 */
import { env } from "cloudflare:workers";
import { exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import type { EventEnvelope } from "#shared/events";
import type { BillingInvoice, InsuredIdentity, QueueEmailRequest } from "#shared/rpc";
import type { PortalEnv } from "../../workers/portal/src/env.ts";
import { causeOfEvent, handleQueue, paymentDueForOrg } from "../../workers/portal/src/notification-triggers.ts";
import { notify, type NotificationCause } from "../../workers/portal/src/notifications.service.ts";
import { invoiceForDownload } from "../../workers/portal/src/portal.service.ts";
import { listSandboxPush } from "../../workers/portal/src/sandbox-push.service.ts";
import { realNow } from "../support/clock.ts";
import { standInFlags } from "../support/flags.ts";

const ulid = () => crypto.randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase().replace(/[ILOU]/g, "0");
const id = (prefix: string) => `${prefix}_${ulid()}`;

function insured(orgId = id("org")): InsuredIdentity {
  return { insuredId: id("ins"), orgId, name: "Harbor Freight Movers", email: `n-${ulid().toLowerCase()}@example.com`, phone: null, mailingAddress: null, createdAt: "2026-12-01T00:00:00.000Z", updatedAt: "2026-12-01T00:00:00.000Z" };
}

function invoice(orgId: string, policyId: string, over: Partial<BillingInvoice> = {}): BillingInvoice {
  return {
    id: id("inv"),
    number: "INV-2027-000007",
    policyId,
    policyNumber: "GL-2027-000003",
    status: "open",
    dueDate: "2027-03-04",
    amountDue: 1250.5,
    currency: "USD",
    overdue: false,
    documentId: null,
    ...over,
  } as unknown as BillingInvoice;
}

/** A portal env over the real PORTAL_DB whose callees are fakes. */
function portalEnv(who: InsuredIdentity, options: { environment?: string; policies?: Record<string, string>; invoices?: BillingInvoice[]; fcm?: Partial<PortalEnv> } = {}) {
  const flags = standInFlags();
  const emails: QueueEmailRequest[] = [];
  const policyOwner = new Map(Object.entries(options.policies ?? {}));
  const fake = {
    PORTAL_DB: env.PORTAL_DB,
    JWT_SECRET: env.JWT_SECRET,
    ENVIRONMENT: options.environment ?? "development",
    PRODUCERS: flags,
    UNDERWRITING: {
      insuredOf: async (orgId: string, insuredId: string) => (orgId === who.orgId && insuredId === who.insuredId ? who : null),
      policyInsured: async (orgId: string, policyId: string) => (orgId === who.orgId && policyOwner.get(policyId) === who.insuredId ? who : null),
      insuredPolicies: async (orgId: string, insuredId: string) => (orgId === who.orgId && insuredId === who.insuredId ? [...new Set(options.invoices?.map((i) => i.policyId))].map((pid) => ({ id: pid })) : []),
    },
    BILLING: {
      invoicesOfPolicies: async (orgId: string, ids: string[]) => (orgId === who.orgId ? (options.invoices ?? []).filter((i) => ids.includes(i.policyId)) : []),
      openInvoicesDueBetween: async (orgId: string, from: string, to: string) => (orgId === who.orgId ? (options.invoices ?? []).filter((i) => i.status === "open" && i.dueDate >= from && i.dueDate <= to) : []),
    },
    IDENTITY: {
      queueEmail: async (email: QueueEmailRequest) => (emails.push(email), { ok: true, value: { id: id("eml"), to: email.to, kind: email.kind, createdAt: new Date(realNow()).toISOString() } }),
    },
    ...options.fcm,
  } as unknown as PortalEnv;
  return { env: fake, emails, flags };
}

async function registerToken(who: InsuredIdentity, token: string, platform = "android") {
  await env.PORTAL_DB.prepare(`INSERT INTO push_tokens (id, org_id, insured_id, platform, token, token_sha256, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)`)
    .bind(id("ptk"), who.orgId, who.insuredId, platform, token, ulid(), new Date(realNow()).toISOString())
    .run();
}

const cause = (who: InsuredIdentity, causeKey = `event:${id("evt")}`): NotificationCause => ({
  orgId: who.orgId,
  insuredId: who.insuredId,
  kind: "claim_status",
  causeKey,
  title: "Claim CLM-2027-000001: settled",
  body: "Your claim CLM-2027-000001 is now settled.",
  data: { claimId: id("clm") },
});

const pushesOf = async (who: InsuredIdentity) => (await env.PORTAL_DB.prepare(`SELECT status, platform, title, provider_id, error FROM push_deliveries WHERE insured_id = ?1 ORDER BY created_at, id`).bind(who.insuredId).all<Record<string, string | null>>()).results;

describe("notify", () => {
  it("sends once per cause: one email and one sandbox push per token in development, and nothing on a repeat", async () => {
    const who = insured();
    const f = portalEnv(who);
    await registerToken(who, "device-a");
    await registerToken(who, "device-b", "ios");
    const c = cause(who);
    const first = await notify(f.env, c);
    expect(first).toMatchObject({ status: "delivered", emailQueued: true, pushes: 2 });
    expect(f.emails).toEqual([expect.objectContaining({ orgId: who.orgId, to: who.email, subject: c.title, kind: "portal_claim_status" })]);
    expect((await pushesOf(who)).map((p) => [p.status, p.platform])).toEqual(expect.arrayContaining([["sandbox", "android"], ["sandbox", "ios"]]));

    const again = await notify(f.env, c);
    expect(again).toEqual({ status: "duplicate", notificationId: (first as { notificationId: string }).notificationId });
    expect(f.emails).toHaveLength(1);
    expect(await pushesOf(who)).toHaveLength(2);

    // The sandbox log shows them, newest first, to this insured only; production has no log.
    const log = await listSandboxPush(f.env, { insuredId: who.insuredId });
    expect(log.ok && log.value.data.map((p) => [p.kind, p.status, p.title])).toEqual([["claim_status", "sandbox", c.title], ["claim_status", "sandbox", c.title]]);
    expect(log.ok && log.value.data[0]!.data).toMatchObject({ kind: "claim_status", claimId: c.data.claimId });
    const paged = await listSandboxPush(f.env, { insuredId: who.insuredId, limit: 1 });
    expect(paged.ok && paged.value.nextCursor).toBeTruthy();
    const rest = await listSandboxPush(f.env, { insuredId: who.insuredId, limit: 1, cursor: paged.ok ? paged.value.nextCursor! : "" });
    expect(rest.ok && rest.value.data[0]!.id).not.toBe(paged.ok && paged.value.data[0]!.id);
    expect(await listSandboxPush(portalEnv(who, { environment: "production" }).env, {})).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("sends nothing while the org's portal is off, and nothing to a policy's missing insured", async () => {
    const who = insured();
    const f = portalEnv(who);
    f.flags.set(who.orgId, "portal.enabled", false);
    await registerToken(who, "device-off");
    expect(await notify(f.env, cause(who))).toEqual({ status: "portal_disabled" });
    expect(f.emails).toEqual([]);
    expect(await pushesOf(who)).toEqual([]);
    const stranger = { ...cause(who), insuredId: id("ins") };
    f.flags.set(who.orgId, "portal.enabled", true);
    expect(await notify(f.env, stranger)).toEqual({ status: "no_insured" });
  });

  it("pushes through FCM HTTP v1 in production: a service-account JWT exchanged for an access token, one send per token; a dead token is dropped", async () => {
    const who = insured();
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const clientEmail = `push-${ulid().toLowerCase()}@openinsure-test.iam.gserviceaccount.com`;
    const calls: { url: string; init: RequestInit }[] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      if (url === "https://oauth.test/token") {
        const form = new URLSearchParams(String(init.body));
        expect(form.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:jwt-bearer");
        const { payload, protectedHeader } = await jwtVerify(form.get("assertion")!, publicKey, { algorithms: ["RS256"], issuer: clientEmail, audience: "https://oauth.test/token" });
        expect(protectedHeader.alg).toBe("RS256");
        expect(payload.scope).toBe("https://www.googleapis.com/auth/firebase.messaging");
        expect(payload.exp! - payload.iat!).toBe(3600);
        return Response.json({ access_token: "ya29.test-access", expires_in: 3599, token_type: "Bearer" });
      }
      expect(url).toBe("https://fcm.test/v1/projects/openinsure-test/messages:send");
      expect(new Headers(init.headers).get("authorization")).toBe("Bearer ya29.test-access");
      const { message } = JSON.parse(String(init.body));
      if (message.token === "dead-token") return Response.json({ error: { code: 404, status: "NOT_FOUND", message: "Requested entity was not found.", details: [{ errorCode: "UNREGISTERED" }] } }, { status: 404 });
      expect(message.notification.title).toBe("Claim CLM-2027-000001: settled");
      expect(message.data).toMatchObject({ kind: "claim_status" });
      expect(Object.values(message.data).every((v) => typeof v === "string")).toBe(true);
      return Response.json({ name: `projects/openinsure-test/messages/${message.token}` });
    }) as unknown as typeof fetch;
    const f = portalEnv(who, {
      environment: "production",
      fcm: { FCM_PROJECT_ID: "openinsure-test", FCM_CLIENT_EMAIL: clientEmail, FCM_PRIVATE_KEY: pem.replace(/\n/g, "\\n"), FCM_TOKEN_URL: "https://oauth.test/token", FCM_API_BASE: "https://fcm.test" },
    });
    await registerToken(who, "live-token");
    await registerToken(who, "dead-token", "web");
    expect(await notify(f.env, cause(who), fetcher)).toMatchObject({ status: "delivered", pushes: 2 });
    // One token exchange for both sends (the access token is cached).
    expect(calls.filter((c) => c.url === "https://oauth.test/token")).toHaveLength(1);
    expect(calls.filter((c) => c.url.startsWith("https://fcm.test"))).toHaveLength(2);
    const pushes = await pushesOf(who);
    expect(pushes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ status: "sent", provider_id: "projects/openinsure-test/messages/live-token" }),
        expect.objectContaining({ status: "failed", error: expect.stringContaining("UNREGISTERED") }),
      ]),
    );
    const left = await env.PORTAL_DB.prepare(`SELECT token FROM push_tokens WHERE insured_id = ?1`).bind(who.insuredId).all<{ token: string }>();
    expect(left.results.map((r) => r.token)).toEqual(["live-token"]);
  });

  it("records production pushes as failed, naming what is missing, when FCM is not configured; the email still goes", async () => {
    const who = insured();
    const f = portalEnv(who, { environment: "production" });
    await registerToken(who, "any-token");
    expect(await notify(f.env, cause(who), (() => expect.fail("no FCM call without credentials")) as unknown as typeof fetch)).toMatchObject({ status: "delivered", emailQueued: true });
    expect(await pushesOf(who)).toEqual([expect.objectContaining({ status: "failed", error: expect.stringContaining("push_not_configured") })]);
  });
});

describe("what triggers a notification", () => {
  const envelope = (who: InsuredIdentity, type: string, data: Record<string, unknown>): EventEnvelope => ({ id: id("evt"), type, orgId: who.orgId, timestamp: "2027-03-01T10:00:00.000Z", data }) as EventEnvelope;

  it("maps payment.failed and the claim status events to the policy's insured, keyed by the event; other events and unlinked policies to nothing", async () => {
    const who = insured();
    const policyId = id("pol");
    const inv = invoice(who.orgId, policyId);
    const f = portalEnv(who, { policies: { [policyId]: who.insuredId }, invoices: [inv] });
    const failed = envelope(who, "payment.failed", { invoiceId: inv.id, policyId, amount: 1250.5, currency: "USD", failureMessage: "Your card was declined." });
    expect(await causeOfEvent(f.env, failed)).toMatchObject({
      insuredId: who.insuredId,
      kind: "payment_failed",
      causeKey: `event:${failed.id}`,
      title: "Your payment did not go through: INV-2027-000007",
      body: expect.stringContaining("$1,250.50 for invoice INV-2027-000007 (policy GL-2027-000003) failed: Your card was declined."),
      data: { policyId, invoiceId: inv.id, eventId: failed.id },
    });
    const denied = envelope(who, "claim.denied", { claimId: id("clm"), claimNumber: "CLM-2027-000004", policyId, status: "denied" });
    expect(await causeOfEvent(f.env, denied)).toMatchObject({ kind: "claim_status", title: "Claim CLM-2027-000004: denied", causeKey: `event:${denied.id}` });
    // Investigation and reopening change the status too: both notify ("under investigation").
    for (const type of ["claim.investigation_started", "claim.reopened"]) {
      const event = envelope(who, type, { claimId: id("clm"), claimNumber: "CLM-2027-000005", policyId, status: "investigating" });
      expect(await causeOfEvent(f.env, event)).toMatchObject({ kind: "claim_status", title: "Claim CLM-2027-000005: under investigation", causeKey: `event:${event.id}` });
    }
    expect(await causeOfEvent(f.env, envelope(who, "claim.reserved", { policyId, claimId: id("clm") }))).toBeNull();
    expect(await causeOfEvent(f.env, envelope(who, "claim.filed", { policyId: id("pol"), claimId: id("clm"), status: "open" }))).toBeNull();
  });

  it("reminds of each open invoice due within 3 days of the org's today, once per invoice and due date", async () => {
    const who = insured();
    const policyId = id("pol");
    const dueIn3 = invoice(who.orgId, policyId, { dueDate: "2027-03-04" });
    const dueIn4 = invoice(who.orgId, policyId, { dueDate: "2027-03-05", number: "INV-2027-000008" });
    const paid = invoice(who.orgId, policyId, { dueDate: "2027-03-02", status: "paid", amountDue: 0 } as Partial<BillingInvoice>);
    const f = portalEnv(who, { policies: { [policyId]: who.insuredId }, invoices: [dueIn3, dueIn4, paid] });
    const first = await paymentDueForOrg(f.env, who.orgId, "2027-03-01");
    expect(first.map((o) => o.status)).toEqual(["delivered"]);
    expect(f.emails.map((e) => e.subject)).toEqual(["Payment due in 3 days: INV-2027-000007"]);
    expect(f.emails[0]!.body).toContain("$1,250.50 is due on 2027-03-04");
    // The next tick (same day or the next) sends that one again to nobody, and now reaches the second.
    const second = await paymentDueForOrg(f.env, who.orgId, "2027-03-02");
    expect(second.map((o) => o.status)).toEqual(["duplicate", "delivered"]);
    expect(f.emails.map((e) => e.subject)).toEqual(["Payment due in 3 days: INV-2027-000007", "Payment due in 3 days: INV-2027-000008"]);
  });
});

describe("the portal's queue consumer", () => {
  function message(body: unknown, attempts = 1) {
    const m = { body, attempts, acked: false, retried: null as null | { delaySeconds?: number }, ack: () => void (m.acked = true), retry: (o?: { delaySeconds?: number }) => void (m.retried = o ?? {}) };
    return m;
  }

  it("notifies once for an event, acks what is not its business, and retries when the source is down", async () => {
    const who = insured();
    const policyId = id("pol");
    const event: EventEnvelope = { id: id("evt"), type: "claim.settled", orgId: who.orgId, timestamp: new Date(realNow()).toISOString(), data: { claimId: id("clm"), claimNumber: "CLM-2027-000009", policyId, status: "settled" } } as EventEnvelope;
    let down = false;
    const f = portalEnv(who, { policies: { [policyId]: who.insuredId } });
    (f.env as unknown as Record<string, unknown>).CLAIMS = {
      readEvents: async (ids: string[]) => {
        if (down) throw new Error("claims unavailable");
        return ids.filter((x) => x === event.id).map(() => event);
      },
    };
    const good = message({ kind: "event", source: "claims", eventId: event.id });
    const redelivered = message({ kind: "event", source: "claims", eventId: event.id }, 2);
    const stranger = message({ kind: "delivery", deliveryId: "whd_x" });
    const unknownSource = message({ kind: "event", source: "market", eventId: id("evt") });
    await handleQueue({ queue: "openinsure-portal-events", messages: [good, stranger, unknownSource] } as unknown as MessageBatch<unknown>, f.env);
    await handleQueue({ queue: "openinsure-portal-events", messages: [redelivered] } as unknown as MessageBatch<unknown>, f.env);
    expect([good.acked, redelivered.acked, stranger.acked, unknownSource.acked]).toEqual([true, true, true, true]);
    expect(f.emails.map((e) => e.subject)).toEqual(["Claim CLM-2027-000009: settled"]);

    down = true;
    const failing = message({ kind: "event", source: "claims", eventId: id("evt") });
    await handleQueue({ queue: "openinsure-portal-events", messages: [failing] } as unknown as MessageBatch<unknown>, f.env);
    expect(failing.acked).toBe(false);
    expect(failing.retried).toEqual({ delaySeconds: 30 });
  });
});

describe("invoice downloads", () => {
  it("says the invoice's PDF is not issued yet, distinct from an invoice that is not the insured's", async () => {
    const who = insured();
    const policyId = id("pol");
    const pending = invoice(who.orgId, policyId);
    const issued = invoice(who.orgId, policyId, { documentId: id("doc") } as Partial<BillingInvoice>);
    const f = portalEnv(who, { invoices: [pending, issued] });
    const principal = { kind: "insured", orgId: who.orgId, actorId: who.insuredId, credentialId: who.insuredId, role: null, scopes: [], rateLimitTier: "standard", expiresAt: null } as const;
    expect(await invoiceForDownload(f.env, { ...principal, scopes: [] }, pending.id)).toMatchObject({ ok: false, error: { code: "not_found", details: { reason: "pdf_pending", invoiceId: pending.id } } });
    expect(await invoiceForDownload(f.env, { ...principal, scopes: [] }, issued.id)).toEqual({ ok: true, value: { documentId: (issued as unknown as { documentId: string }).documentId } });
    expect(await invoiceForDownload(f.env, { ...principal, scopes: [] }, id("inv"))).toMatchObject({ ok: false, error: { code: "not_found", message: "Invoice not found" } });
  });
});

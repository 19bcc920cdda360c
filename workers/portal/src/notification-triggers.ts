/**
 * What sets off a notification to an insured:
 * - the domain events the portal consumes on its own queue (`openinsure-portal-events`, fed by the
 *   outbox relays of billing and claims): `payment.failed`, and the claim events that change a
 *   claim's status (`claim.filed`, `claim.investigation_started`, `claim.settled`, `claim.denied`,
 *   `claim.closed`, `claim.reopened`). Each event is
 *   one notification, keyed by the event id, so a redelivery sends nothing again. Each message is
 *   acked or retried on its own;
 * - the cron's "payment due" pass: every open invoice due within {@link DUE_SOON_DAYS} days of its
 *   org's today (the org's sandbox clock in development), once per invoice and due date;
 * - a certificate the portal issued (`certificateReady`), once per certificate.
 * The insured is the one underwriting links the event's policy to; a policy with none notifies nobody.
 */
import { offsetClock } from "#shared/clock";
import { addDays, daysBetween } from "#shared/dates";
import type { EventEnvelope } from "#shared/events";
import { errorRetryDelay, eventSourceOf, parseEventMessage, type EventMessage } from "#shared/event-consumer";
import type { PortalCertificateRecord } from "#shared/rpc";
import type { PortalEnv } from "./env.ts";
import { messages, notify, type NotificationCause, type NotifyOutcome } from "./notifications.service.ts";

export const EVENTS_QUEUE = "openinsure-portal-events";
/** "Payment due in 3 days". */
export const DUE_SOON_DAYS = 3;
/** The claim events that change a claim's status. */
export const CLAIM_STATUS_EVENTS: ReadonlySet<string> = new Set(["claim.filed", "claim.investigation_started", "claim.settled", "claim.denied", "claim.closed", "claim.reopened"]);
/** Attempts to find an event at its source before giving up on it (read-after-write lag). */
const MISSING_EVENT_ATTEMPTS = 3;

const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/** The notification an event asks for, or null when it asks for none (another type, a policy without an insured). */
export async function causeOfEvent(env: PortalEnv, event: EventEnvelope): Promise<NotificationCause | null> {
  const policyId = str(event.data.policyId);
  if (!policyId) return null;
  const isPaymentFailed = event.type === "payment.failed";
  if (!isPaymentFailed && !CLAIM_STATUS_EVENTS.has(event.type)) return null;
  const insured = await env.UNDERWRITING.policyInsured(event.orgId, policyId);
  if (!insured) return null;
  const base = { orgId: event.orgId, insuredId: insured.insuredId, causeKey: `event:${event.id}` };
  if (isPaymentFailed) {
    const invoiceId = str(event.data.invoiceId);
    const invoice = invoiceId ? (await env.BILLING.invoicesOfPolicies(event.orgId, [policyId], event.timestamp.slice(0, 10))).find((i) => i.id === invoiceId) : undefined;
    const amount = typeof event.data.amount === "number" ? event.data.amount : (invoice?.amountDue ?? 0);
    const currency = str(event.data.currency) ?? invoice?.currency ?? "USD";
    return {
      ...base,
      kind: "payment_failed",
      ...messages.paymentFailed({ number: invoice?.number ?? null, policyNumber: invoice?.policyNumber ?? null, amount, currency, failureMessage: str(event.data.failureMessage) }),
      data: { policyId, ...(invoiceId ? { invoiceId } : {}), eventId: event.id },
    };
  }
  const claimNumber = str(event.data.claimNumber) ?? str(event.data.claimId) ?? "your claim";
  const status = str(event.data.status) ?? event.type.slice("claim.".length);
  return {
    ...base,
    kind: "claim_status",
    ...messages.claimStatus({ claimNumber, status }),
    data: { policyId, ...(str(event.data.claimId) ? { claimId: str(event.data.claimId)! } : {}), status, eventId: event.id },
  };
}

/** The portal's queue consumer: each message acked or retried on its own. */
export async function handleQueue(batch: MessageBatch<unknown>, env: PortalEnv): Promise<void> {
  await Promise.all(batch.messages.map((msg) => handleMessage(env, msg)));
}

async function handleMessage(env: PortalEnv, msg: Message<unknown>): Promise<void> {
  const body: EventMessage | null = parseEventMessage(msg.body);
  const rpc = body ? eventSourceOf(env, body.source) : null;
  if (!body || !rpc) {
    // Not an event, or from a source the portal does not subscribe to.
    msg.ack();
    return;
  }
  try {
    const [event] = await rpc.readEvents([body.eventId]);
    if (!event) {
      if (msg.attempts < MISSING_EVENT_ATTEMPTS) msg.retry({ delaySeconds: 5 * msg.attempts });
      else {
        console.error(JSON.stringify({ level: "error", message: "portal: event not found at its source; acked", eventId: body.eventId, source: body.source }));
        msg.ack();
      }
      return;
    }
    const cause = await causeOfEvent(env, event as EventEnvelope);
    if (cause) await notify(env, cause);
    msg.ack();
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "portal: notifying from an event failed; retrying the message", eventId: body.eventId, error: String(err) }));
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}

/** The "payment due" pass of one org as of `today` (its clock): each open invoice due within {@link DUE_SOON_DAYS} days, once. */
export async function paymentDueForOrg(env: PortalEnv, orgId: string, today: string): Promise<NotifyOutcome[]> {
  const due = await env.BILLING.openInvoicesDueBetween(orgId, today, addDays(today, DUE_SOON_DAYS), today);
  const outcomes: NotifyOutcome[] = [];
  const insuredOfPolicy = new Map<string, string | null>();
  for (const invoice of due) {
    if (invoice.amountDue <= 0) continue;
    if (!insuredOfPolicy.has(invoice.policyId)) insuredOfPolicy.set(invoice.policyId, (await env.UNDERWRITING.policyInsured(orgId, invoice.policyId))?.insuredId ?? null);
    const insuredId = insuredOfPolicy.get(invoice.policyId);
    if (!insuredId) continue;
    const days = daysBetween(today, invoice.dueDate);
    outcomes.push(
      await notify(env, {
        orgId,
        insuredId,
        kind: "payment_due",
        causeKey: `payment_due:${invoice.id}:${invoice.dueDate}`,
        ...messages.paymentDue({ number: invoice.number, policyNumber: invoice.policyNumber, amountDue: invoice.amountDue, currency: invoice.currency, dueDate: invoice.dueDate, days }),
        data: { invoiceId: invoice.id, policyId: invoice.policyId, dueDate: invoice.dueDate },
      }),
    );
  }
  return outcomes;
}

/** The cron's pass over every org with an open invoice, each on its own clock; one org failing does not stop the others. */
export async function paymentDuePass(env: PortalEnv): Promise<void> {
  for (const orgId of await env.BILLING.orgsWithOpenInvoices()) {
    try {
      const today = offsetClock(await env.IDENTITY.clockOffsetOf(orgId)).today();
      await paymentDueForOrg(env, orgId, today);
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "portal: payment-due pass failed for an org; the next tick retries it", orgId, error: String(err) }));
    }
  }
}

/** "Your certificate is ready", once per certificate the portal issued. */
export function certificateReady(env: PortalEnv, orgId: string, insuredId: string, certificate: PortalCertificateRecord): Promise<NotifyOutcome> {
  return notify(env, {
    orgId,
    insuredId,
    kind: "certificate_ready",
    causeKey: `certificate:${certificate.certificateId}`,
    ...messages.certificateReady({ certificateNumber: certificate.certificateNumber, policyNumber: certificate.policyNumber }),
    data: { policyId: certificate.policyId, documentId: certificate.documentId, certificateId: certificate.certificateId },
  });
}

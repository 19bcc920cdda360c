/**
 * The subject of an event: the entity it is about, as `kind:id` (`claim:clm_…`). Deliveries of
 * events of one subject to one endpoint are attempted in order of occurrence (see ordering.ts);
 * events without a subject are never ordered. Pure: it reads only the envelope's `type` and `data`.
 *
 * The rules are per family (`claim` of `claim.filed`), so a new type of a known family
 * (`claim.denied`) is ordered with its family at once. A type of a new family has no rule and falls
 * back to no ordering, explicitly: test/webhooks/subject.test.ts holds one row per catalogue type and
 * fails until the new type has one, so the decision is made on purpose. (A test rather than a compile
 * error, so another worker adding an event type does not break the build of this one.)
 *
 * At run time a type of no known family, or one whose `data` lacks the id (or names one longer
 * than 200 characters), has no subject: it is delivered unordered rather than held. Ordering is a promise about the entities we can name;
 * holding an event we cannot place would block it (and nothing else) for no order anyone asked for.
 */
import type { EventType } from "#shared/events";

/** Subjects are stored on every delivery and compared in an index: bounded. */
const MAX_SUBJECT_CHARS = 200;

type Rule = (data: Record<string, unknown>) => string | null;

const id = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const named = (kind: string, value: unknown): string | null => {
  const v = id(value);
  return v === null ? null : `${kind}:${v}`;
};

const FAMILY_SUBJECTS: Readonly<Record<string, Rule>> = {
  // bound, endorsed, cancelled, renewed: the policy (a renewal's events are the renewal policy's).
  policy: (d) => named("policy", d.policyId),
  claim: (d) => named("claim", d.claimId),
  // A payment is about the invoice it pays, so invoice.created precedes its payment.failed and
  // payment.received; a payment without an invoice is its own subject.
  payment: (d) => named("invoice", d.invoiceId) ?? named("payment", d.paymentId),
  invoice: (d) => named("invoice", d.invoiceId),
  submission: (d) => named("submission", d.submissionId),
  referral: (d) => named("referral", d.referralId),
  // Once per agreement today; ordered by agreement should that change.
  da: (d) => named("da_agreement", d.daAgreementId),
  // A reminder about a filing deadline names no entity: unordered.
  compliance: () => null,
  // The document itself, not its policy: documents are immutable (one event each), and its
  // policy's events come from another worker's outbox, whose relay we cannot order it against.
  document: (d) => named("document", d.documentId),
  // webhook.test: none (a test send is never held); webhook.disabled: the endpoint disabled.
  webhook: () => null,
  // producer.license_expiring: the producer whose license it is.
  producer: (d) => named("producer", d.producerId),
};

/** Per-type exceptions to the family rule. */
const TYPE_SUBJECTS: Partial<Record<EventType, Rule>> = {
  "webhook.disabled": (d) => named("webhook_endpoint", d.endpointId),
};

/** The subject of an event of `type` with `data`, or null when it has none (never ordered). */
export function subjectOf(type: string, data: Record<string, unknown>): string | null {
  const dot = type.indexOf(".");
  const family = dot < 0 ? type : type.slice(0, dot);
  const rule = Object.hasOwn(TYPE_SUBJECTS, type)
    ? TYPE_SUBJECTS[type as EventType]
    : Object.hasOwn(FAMILY_SUBJECTS, family)
      ? FAMILY_SUBJECTS[family]
      : undefined;
  const subject = rule ? rule(data) : null;
  return subject !== null && subject.length <= MAX_SUBJECT_CHARS ? subject : null;
}

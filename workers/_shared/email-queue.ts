/**
 * The email queue between identity's outbox (`outbox_emails`, where every platform and connector
 * email is first written) and the workspace worker, which owns the email connector's log and
 * delivers: through the provider in production, to the sandbox email log (the outbox itself) in
 * development. Identity sends one message per email right after writing it, and its sweep sends
 * again any the prompt send missed: delivery is at least once, and the consumer is idempotent by
 * `emailId` (the log row is keyed by it, the provider's idempotency key is it).
 */

/** The binding identity sends on (registry: identity `queues.produce`). */
export const EMAIL_QUEUE_BINDING = "EMAIL_QUEUE";
export const EMAIL_QUEUE = "openinsure-emails";
export const EMAIL_DLQ = "openinsure-emails-dlq";

/** One email to log and deliver. The body is the copy to deliver (a secret the stored copy redacts is in it). */
export interface EmailQueueMessage {
  kind: "email";
  /** The outbox row's id (`eml_…`). */
  emailId: string;
  orgId: string;
  to: string;
  subject: string;
  body: string;
  /** What triggered it (`verification_code`, `team_invitation`, `connector_template`, …). */
  emailKind: string;
  template: string | null;
  sentBy: string | null;
  createdAt: string;
}

/** Whether `body` is an {@link EmailQueueMessage}. */
export function isEmailQueueMessage(body: unknown): body is EmailQueueMessage {
  const m = body as Partial<EmailQueueMessage> | null;
  return (
    typeof m === "object" && m !== null && m.kind === "email" &&
    typeof m.emailId === "string" && typeof m.orgId === "string" && typeof m.to === "string" &&
    typeof m.subject === "string" && typeof m.body === "string" && typeof m.emailKind === "string" && typeof m.createdAt === "string"
  );
}

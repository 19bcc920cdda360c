/**
 * The email queue's consumer (#shared/email-queue): every email the platform writes to identity's
 * outbox arrives here once or more, is logged in its org's connector log (`email_logs`, one row per
 * outbox id) and delivered.
 *
 * - Production: through Resend's official SDK, with the outbox id as its Idempotency-Key, so a retry
 *   after a lost answer never sends twice. A 5xx, a 429 or no answer is retried with exponential
 *   backoff (`message.retry({delaySeconds})`); a 4xx is permanent. The row moves to `sent` with the
 *   provider's id, or to `failed` with the provider's status and message (never the key) on a
 *   permanent error or after the last attempt. A message that still could not be handled goes to the
 *   dead-letter queue, whose consumer marks its row `failed`.
 * - Development (`ENVIRONMENT` is `development`): no provider is called. The sandbox email log (the
 *   outbox, `GET /v1/sandbox/emails`) is the delivery, so the row moves to `sent` with the outbox's
 *   id as its message id.
 */
import { and, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { Resend } from "resend";
import { EMAIL_DLQ, isEmailQueueMessage, type EmailQueueMessage } from "#shared/email-queue";
import { isProduction } from "#shared/environment";
import { newId } from "#shared/ids";
import type { WorkspaceEnv } from "../env.ts";
import { emailLogs, type EmailLogRow } from "./schema.ts";

/** The queue's `maxRetries` (workers/registry.ts) plus the first attempt. */
export const EMAIL_MAX_ATTEMPTS = 9;
/** The first retry's delay; each next one doubles, up to {@link MAX_DELAY_SECONDS}. */
const BASE_DELAY_SECONDS = 30;
const MAX_DELAY_SECONDS = 3_600;
const DEFAULT_FROM = "OpenInsure <no-reply@openinsure.dev>";
const ERROR_MAX = 300;

/** The delay before attempt `attempts + 1`: 30 s, 60 s, 120 s, … at most an hour. */
export const backoffSeconds = (attempts: number): number => Math.min(BASE_DELAY_SECONDS * 2 ** Math.max(attempts - 1, 0), MAX_DELAY_SECONDS);

/** The log's kind: a connector send keeps its template's name (`template:<name>` or `custom`); a platform email, what triggered it. */
export function logKindOf(message: Pick<EmailQueueMessage, "emailKind" | "template">): string {
  if (message.emailKind === "connector_template" && message.template) return `template:${message.template}`;
  if (message.emailKind === "connector_custom") return "custom";
  return message.emailKind;
}

/** The log row an email starts as (written by whichever of the connector route and this consumer comes first). */
export function queuedRow(message: EmailQueueMessage, at: string): EmailLogRow {
  return {
    id: newId("elg"),
    orgId: message.orgId,
    to: message.to,
    subject: message.subject,
    kind: logKindOf(message),
    template: message.template,
    status: "queued",
    messageId: null,
    error: null,
    sentBy: message.sentBy ?? "platform",
    createdAt: message.createdAt,
    emailId: message.emailId,
    attempts: 0,
    updatedAt: at,
  };
}

/** The email's log row, written if it is not there yet. */
export async function ensureLogRow(db: DrizzleD1Database, message: EmailQueueMessage): Promise<EmailLogRow> {
  await db.insert(emailLogs).values(queuedRow(message, new Date().toISOString())).onConflictDoNothing({ target: emailLogs.emailId });
  const row = await db.select().from(emailLogs).where(eq(emailLogs.emailId, message.emailId)).get();
  if (!row) throw new Error(`email log row for ${message.emailId} missing after insert`);
  return row;
}

/** What one delivery attempt came to. */
export type Attempt = { outcome: "sent"; messageId: string } | { outcome: "retry"; error: string } | { outcome: "failed"; error: string };

/** The provider's error as the log keeps it: status, name and message, never the key. */
function providerError(error: { statusCode?: number | null; name?: string; message?: string }, key: string): string {
  const text = `${error.statusCode ?? "no answer"} ${error.name ?? "error"}: ${error.message ?? ""}`.trim();
  return text.split(key).join("[key]").slice(0, ERROR_MAX);
}

/** One attempt through Resend. 5xx, 429, 409 (a concurrent request with the same key) and no answer are retryable. */
export async function sendThroughProvider(env: WorkspaceEnv, message: EmailQueueMessage): Promise<Attempt> {
  const key = env.EMAIL_API_KEY;
  // A missing secret is a deployment to fix, not the recipient's fault: retried until it is set or the attempts run out.
  if (!key) return { outcome: "retry", error: "EMAIL_API_KEY is not set" };
  const resend = new Resend(key, env.EMAIL_API_BASE_URL ? { baseUrl: env.EMAIL_API_BASE_URL.replace(/\/$/, "") } : undefined);
  const { data, error } = await resend.emails.send(
    { from: env.EMAIL_FROM || DEFAULT_FROM, to: [message.to], subject: message.subject, text: message.body },
    { idempotencyKey: message.emailId },
  );
  if (data?.id) return { outcome: "sent", messageId: data.id };
  const status = error?.statusCode ?? null;
  const text = providerError(error ?? { message: "the provider answered no message id" }, key);
  if (status === null || status >= 500 || status === 429 || status === 409) return { outcome: "retry", error: text };
  return { outcome: "failed", error: text };
}

/** What the consumer should do with the message. */
export type Disposition = { ack: true } | { ack: false; delaySeconds: number };

/**
 * Log and deliver one email, the `attempts`-th time the queue handed it over. An email already
 * `sent` or `failed` (a redelivered message, or the sweep's second copy) is acknowledged untouched.
 */
export async function deliverEmail(env: WorkspaceEnv, db: DrizzleD1Database, message: EmailQueueMessage, attempts: number): Promise<Disposition> {
  const row = await ensureLogRow(db, message);
  if (row.status !== "queued") return { ack: true };
  const at = new Date().toISOString();
  const attempt: Attempt = isProduction(env) ? await sendThroughProvider(env, message) : { outcome: "sent", messageId: message.emailId };
  const stillQueued = and(eq(emailLogs.id, row.id), eq(emailLogs.status, "queued"));
  if (attempt.outcome === "sent") {
    await db.update(emailLogs).set({ status: "sent", messageId: attempt.messageId, error: null, attempts: sql`${emailLogs.attempts} + 1`, updatedAt: at }).where(stillQueued);
    return { ack: true };
  }
  if (attempt.outcome === "retry" && attempts < EMAIL_MAX_ATTEMPTS) {
    // Still queued: the error says what the last attempt met.
    await db.update(emailLogs).set({ error: attempt.error, attempts: sql`${emailLogs.attempts} + 1`, updatedAt: at }).where(stillQueued);
    return { ack: false, delaySeconds: backoffSeconds(attempts) };
  }
  const error = attempt.outcome === "retry" ? `gave up after ${attempts} attempts: ${attempt.error}`.slice(0, ERROR_MAX) : attempt.error;
  await db.update(emailLogs).set({ status: "failed", error, attempts: sql`${emailLogs.attempts} + 1`, updatedAt: at }).where(stillQueued);
  return { ack: true };
}

/** A dead-lettered email: its row (written if missing) is `failed`, unless it was sent meanwhile. */
export async function giveUp(db: DrizzleD1Database, message: EmailQueueMessage): Promise<void> {
  const row = await ensureLogRow(db, message);
  await db
    .update(emailLogs)
    .set({ status: "failed", error: `undeliverable: dead-lettered after ${EMAIL_MAX_ATTEMPTS} attempts${row.error ? ` (${row.error})` : ""}`.slice(0, ERROR_MAX), updatedAt: new Date().toISOString() })
    .where(and(eq(emailLogs.id, row.id), eq(emailLogs.status, "queued")));
}

/** The consumer of the email queue and its dead-letter queue: each message acked or retried on its own. */
export async function handleEmailQueue(batch: MessageBatch<unknown>, env: WorkspaceEnv, db: DrizzleD1Database): Promise<void> {
  for (const message of batch.messages) {
    if (!isEmailQueueMessage(message.body)) {
      console.error(JSON.stringify({ level: "error", message: "email queue: not an email message; dropped", queue: batch.queue, id: message.id }));
      message.ack();
      continue;
    }
    try {
      if (batch.queue === EMAIL_DLQ) {
        await giveUp(db, message.body);
        message.ack();
        continue;
      }
      const disposition = await deliverEmail(env, db, message.body, message.attempts);
      if (disposition.ack) message.ack();
      else message.retry({ delaySeconds: disposition.delaySeconds });
    } catch (err) {
      console.error(JSON.stringify({ level: "error", message: "email queue: delivery threw; retried", emailId: message.body.emailId, error: String(err) }));
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}

/**
 * Hands outbox emails to the email queue (#shared/email-queue), where the workspace worker logs each
 * in the org's connector log and delivers it. Each email is sent right after its row is written
 * ({@link relayEmail}); the sweep ({@link relayPendingEmails}, every minute) sends the rows a prompt
 * send missed (the queue was unreachable, the worker died in between): a row is claimed before it
 * is sent and marked relayed after, so it reaches the queue at least once and the consumer, keyed by
 * the email's id, logs and delivers it once. A swept row carries its stored body: in production a
 * verification or sign-in code is redacted there (only the prompt message held the code), so the
 * recipient asks for a new one.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { EmailQueueMessage } from "#shared/email-queue";
import type { IdentityDb } from "./deps.ts";
import { outboxEmails } from "./schema.ts";

/** The email queue's producer binding, as identity holds it. */
export interface EmailQueue {
  send(body: EmailQueueMessage): Promise<unknown>;
}

/** A sweep leaves rows younger than this to their prompt send. */
const PROMPT_GRACE_MS = 30_000;
/** A claim older than this belongs to a sweep that died. */
const CLAIM_TIMEOUT_MS = 60_000;
const SWEEP_BATCH = 25;

/** What a relayed row needs: its columns as written. */
export interface RelayableEmail {
  id: string;
  orgId: string | null;
  toAddress: string;
  subject: string;
  body: string;
  kind: string;
  template: string | null;
  sentBy: string | null;
  createdAt: string;
}

function messageOf(row: RelayableEmail, deliveryBody?: string): EmailQueueMessage | null {
  // An email with no org (none is written today) has no connector log to land in; it stays in the sandbox log.
  if (!row.orgId) return null;
  return { kind: "email", emailId: row.id, orgId: row.orgId, to: row.toAddress, subject: row.subject, body: deliveryBody ?? row.body, emailKind: row.kind, template: row.template, sentBy: row.sentBy, createdAt: row.createdAt };
}

/**
 * Send one just-written email to the queue and mark it relayed. A failure is logged and left to the
 * sweep (answers false); the email is already safe in the outbox.
 */
export async function relayEmail(db: IdentityDb, queue: EmailQueue | undefined, row: RelayableEmail, deliveryBody?: string): Promise<boolean> {
  const message = messageOf(row, deliveryBody);
  if (!queue || !message) return false;
  try {
    await queue.send(message);
    await db.update(outboxEmails).set({ relayedAt: new Date().toISOString() }).where(eq(outboxEmails.id, row.id));
    return true;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "identity: email not handed to the queue; the sweep relays it", emailId: row.id, error: String(err) }));
    return false;
  }
}

/** Relay every unrelayed row older than the prompt grace; how many were sent. */
export async function relayPendingEmails(db: IdentityDb, queue: EmailQueue | undefined, now = new Date()): Promise<number> {
  if (!queue) return 0;
  let total = 0;
  for (;;) {
    const at = now.toISOString();
    const before = new Date(now.getTime() - PROMPT_GRACE_MS).toISOString();
    const stale = new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString();
    const claimed = await db.all<{ id: string }>(sql`
      UPDATE outbox_emails SET relay_claimed_at = ${at}
      WHERE id IN (
        SELECT id FROM outbox_emails
        WHERE relayed_at IS NULL AND created_at < ${before} AND (relay_claimed_at IS NULL OR relay_claimed_at < ${stale})
        ORDER BY created_at, id LIMIT ${SWEEP_BATCH}
      )
      RETURNING id`);
    if (claimed.length === 0) return total;
    const rows = await db.select().from(outboxEmails).where(inArray(outboxEmails.id, claimed.map((r) => r.id))).all();
    for (const row of rows.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const message = messageOf(row);
      if (message) await queue.send(message);
      await db.update(outboxEmails).set({ relayedAt: at }).where(and(eq(outboxEmails.id, row.id), isNull(outboxEmails.relayedAt)));
      total += 1;
    }
    if (claimed.length < SWEEP_BATCH) return total;
  }
}

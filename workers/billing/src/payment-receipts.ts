/**
 * A receipt to the insured for each payment recorded on an invoice, manual or by card, once. The
 * ledger writes a `payment_receipts` row in the same batch as the payment entry (ledger.repo.ts), so
 * no payment is without its owed receipt; this pass (after each write, and every minute from the
 * cron) claims pending rows, emails each through the platform's outbox from the `payment_receipt`
 * template to the insured underwriting links the policy to, and records the email's id. A row is
 * claimed before sending (a claim older than {@link CLAIM_STALE_MS} is presumed dead) and moved to
 * `sent` only from `pending`, so two passes never both send it; a failed send waits a minute,
 * doubling to an hour, and is retried. A policy with no insured email is `no_recipient`.
 */
import { eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { platformEmail } from "#shared/email-templates";
import { CURRENCY, fromCents } from "#shared/money";
import type { BillingEnv } from "./env.ts";
import { amountDueOf } from "./ledger.ts";
import { toLedgerInvoice } from "./ledger.repo.ts";
import { invoiceEntries, invoices } from "./schema.ts";

export const CLAIM_STALE_MS = 120_000;
const BATCH = 25;
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;

type ReceiptsEnv = Pick<BillingEnv, "UNDERWRITING" | "IDENTITY">;

interface Claimed {
  payment_id: string;
  org_id: string;
  invoice_id: string;
  policy_id: string;
  attempts: number;
}

const money = (cents: number) => fromCents(cents).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Email one claimed receipt; answers the row's next state. Throws when a callee is down. */
async function sendOne(db: DrizzleD1Database, env: ReceiptsEnv, row: Claimed): Promise<{ state: "sent"; emailId: string } | { state: "no_recipient" }> {
  const [entry, invoice] = await Promise.all([
    db.select().from(invoiceEntries).where(eq(invoiceEntries.id, row.payment_id)).get(),
    db.select().from(invoices).where(eq(invoices.id, row.invoice_id)).get(),
  ]);
  if (!entry || !invoice) throw new Error(`receipt ${row.payment_id}: its payment entry or invoice is missing`);
  const insured = await env.UNDERWRITING.policyInsured(row.org_id, row.policy_id);
  if (!insured?.email) return { state: "no_recipient" };
  const issuer = await env.IDENTITY.orgName(row.org_id);
  const email = platformEmail(
    "payment_receipt",
    {
      insuredName: insured.name,
      currency: CURRENCY,
      amount: money(entry.amountCents),
      receivedAt: (entry.receivedAt ?? entry.createdAt).slice(0, 10),
      invoiceNumber: invoice.number,
      policyNumber: invoice.policyNumber,
      method: entry.method ?? "payment",
      amountDue: money(amountDueOf(toLedgerInvoice(invoice))),
      paymentId: entry.id,
      issuer: issuer ?? "",
    },
    { production: false },
  );
  const queued = await env.IDENTITY.queueEmail({ orgId: row.org_id, to: insured.email, kind: "payment_receipt", ...email });
  if (!queued.ok) throw new Error(`the outbox refused the receipt: ${queued.error.code} ${queued.error.message}`);
  return { state: "sent", emailId: queued.value.id };
}

/** Send every pending receipt that is due; how many were sent. */
export async function sendPaymentReceipts(db: DrizzleD1Database, env: ReceiptsEnv, now = new Date()): Promise<number> {
  let sent = 0;
  for (;;) {
    const at = now.toISOString();
    const claimed = await db.all<Claimed>(sql`
      UPDATE payment_receipts SET claimed_at = ${at}
      WHERE payment_id IN (
        SELECT payment_id FROM payment_receipts
        WHERE state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= ${at})
          AND (claimed_at IS NULL OR claimed_at < ${new Date(now.getTime() - CLAIM_STALE_MS).toISOString()})
        ORDER BY created_at, payment_id LIMIT ${BATCH}
      )
      RETURNING payment_id, org_id, invoice_id, policy_id, attempts`);
    for (const row of claimed) {
      try {
        const outcome = await sendOne(db, env, row);
        await db.run(sql`UPDATE payment_receipts SET state = ${outcome.state}, email_id = ${outcome.state === "sent" ? outcome.emailId : null},
            sent_at = ${new Date().toISOString()}, claimed_at = NULL, last_error = NULL WHERE payment_id = ${row.payment_id} AND state = 'pending'`);
        if (outcome.state === "sent") sent += 1;
      } catch (err) {
        const wait = Math.min(RETRY_BASE_MS * 2 ** row.attempts, RETRY_MAX_MS);
        await db.run(sql`UPDATE payment_receipts SET attempts = attempts + 1, last_error = ${String(err).slice(0, 300)},
            next_attempt_at = ${new Date(now.getTime() + wait).toISOString()}, claimed_at = NULL WHERE payment_id = ${row.payment_id} AND state = 'pending'`);
        console.error(JSON.stringify({ level: "error", message: "billing: payment receipt not sent; retried later", paymentId: row.payment_id, error: String(err) }));
      }
    }
    if (claimed.length < BATCH) return sent;
  }
}

/**
 * Invoice PDFs: every invoice gets one, stored by the documents worker (kind `invoice`, its
 * `invoiceId` set) and shown on the invoice as `documentId`. Nothing is lost between an invoice and
 * its PDF, as with underwriting's policy paper:
 *
 * 1. the invoice row is its own job: an invoice without `document_id` is pending, whatever wrote it
 *    (the consumer's batch, a void's re-issue, a Stripe payment path) and whenever;
 * 2. after the consumer commits, the worker asks documents for the policy's pending PDFs at once;
 * 3. the cron sweeps pending invoices every minute and asks again for those due: one that failed
 *    waits a minute, then twice as long after each further failure, up to an hour, and is logged as
 *    an error once it has failed {@link PDF_ALERT_ATTEMPTS} times (it is never given up). The
 *    documents worker answers the same document for the same source key (`invoice:{id}`), so a
 *    retry after a lost answer never stores a second PDF.
 *
 * The PDF shows the invoice as it was when it was issued: number, policy number, insured, lines,
 * due date, credits, what was collected and the amount due.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { realClock } from "#shared/clock";
import { fromCents } from "#shared/money";
import type { Result } from "#shared/errors";
import type { BillingPolicyFacts, DocumentRecord, InvoiceDocumentData, InvoiceDocumentRequest } from "#shared/rpc";
import { retryDelayMs } from "./delinquency.ts";
import type { BillingEnv } from "./env.ts";
import { collectedOf, netOf, totalOf } from "./ledger.ts";
import { toLedgerInvoice } from "./ledger.repo.ts";
import { invoiceJobs, invoices, type InvoiceRow } from "./schema.ts";

/** What issuing PDFs needs: the documents worker, identity for the issuer's name, underwriting for the insured. */
export type PdfEnv = Pick<BillingEnv, "DOCUMENTS" | "IDENTITY" | "UNDERWRITING">;

/** A call that has not answered in this long is left pending for the sweep. */
export const ISSUE_TIMEOUT_MS = 15_000;
/** Invoices one sweep asks about. */
export const PDF_SWEEP_BATCH = 25;
/** Failed attempts after which an invoice still without its PDF is logged as an error (about two hours of retries). */
export const PDF_ALERT_ATTEMPTS = 8;

export const pdfSourceKey = (invoiceId: string) => `invoice:${invoiceId}`;

const KIND_TITLES: Record<InvoiceRow["kind"], string> = {
  installment: "Installment",
  additional_premium: "Additional premium",
  earned_premium: "Earned premium",
  reissue: "Re-issued premium",
};

/**
 * The template data of an invoice as it stands. The template requires the due date not to precede
 * the issue date; an invoice that bills an earlier date (a re-issue keeps its installment's due
 * date, a backdated bind's first installments) is dated on its due date and says when it was issued.
 */
export function invoicePdfData(row: InvoiceRow, facts: Pick<BillingPolicyFacts, "insuredName" | "installments">, issuerName: string | null): InvoiceDocumentData {
  const inv = toLedgerInvoice(row);
  const created = row.createdAt.slice(0, 10);
  const issueDate = created <= row.dueDate ? created : row.dueDate;
  const credited = row.premiumCreditedCents + row.chargesWaivedCents;
  const collected = collectedOf(inv);
  const notes = [`${KIND_TITLES[row.kind]} invoice for policy ${row.policyNumber}.`];
  if (issueDate !== created) notes.push(`Issued ${created} for an amount due on ${row.dueDate}.`);
  return {
    invoiceNumber: row.number,
    policyNumber: row.policyNumber,
    issueDate,
    dueDate: row.dueDate,
    status: row.status,
    overdue: row.status === "open" && row.dueDate < created,
    billTo: { name: facts.insuredName },
    ...(issuerName ? { issuer: { name: issuerName } } : {}),
    ...(row.kind === "installment" && row.installmentNumber !== null && facts.installments.length > 0 && row.installmentNumber <= facts.installments.length
      ? { installment: { number: row.installmentNumber, of: facts.installments.length } }
      : {}),
    lines: row.lines.map((l) => ({ description: l.description, amount: fromCents(l.amountCents) })),
    ...(credited > 0 ? { credits: [{ description: "Return premium and waived charges", amount: fromCents(Math.min(credited, totalOf(inv))) }] } : {}),
    // What was collected net of refunds, so the PDF's amount due is the invoice's.
    ...(collected > 0 ? { amountPaid: fromCents(Math.min(collected, netOf(inv))) } : {}),
    paymentInstructions: [`Quote invoice ${row.number} with your payment. Pay by card through your portal, or by check, ACH or wire to the issuer.`],
    notes: notes.join(" "),
  };
}

/** Resolves to `undefined` if `promise` has not settled within `ms` (its answer is then dropped). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Outcome = { ok: true; documentId: string } | { ok: false; reason: string };

/**
 * Ask documents for each pending invoice's PDF, then record each outcome: the document id (only while
 * still unset, so a sweep racing a prompt issue writes it once), or one more attempt and why. Never
 * throws for another worker failing. Returns how many PDFs were recorded.
 */
async function issueRows(db: DrizzleD1Database, env: PdfEnv, rows: InvoiceRow[], now: () => string): Promise<number> {
  const facts = new Map<string, BillingPolicyFacts | null>();
  const names = new Map<string, string | null>();
  let issued = 0;
  for (const row of rows) {
    const policyKey = `${row.orgId}|${row.policyId}`;
    if (!facts.has(policyKey)) {
      const ask = async (): Promise<Result<BillingPolicyFacts>> => env.UNDERWRITING.billingFacts(row.orgId, row.policyId);
      const answer = await within(ask(), ISSUE_TIMEOUT_MS).catch(() => undefined);
      facts.set(policyKey, answer?.ok ? answer.value : null);
    }
    if (!names.has(row.orgId)) names.set(row.orgId, (await within(env.IDENTITY.orgName(row.orgId), ISSUE_TIMEOUT_MS).catch(() => undefined)) ?? null);
    const policy = facts.get(policyKey);
    let outcome: Outcome;
    if (!policy) outcome = { ok: false, reason: "policy_facts_unavailable" };
    else {
      const request: InvoiceDocumentRequest = {
        sourceKey: pdfSourceKey(row.id),
        invoiceId: row.id,
        policyId: row.policyId,
        filename: `${row.number}.pdf`,
        data: invoicePdfData(row, policy, names.get(row.orgId) ?? null),
      };
      try {
        const ask = async (): Promise<Result<DocumentRecord>> => env.DOCUMENTS.issueInvoiceDocument(row.orgId, request);
        const answer = await within(ask(), ISSUE_TIMEOUT_MS);
        outcome = answer === undefined ? { ok: false, reason: "timeout" } : answer.ok ? { ok: true, documentId: answer.value.id } : { ok: false, reason: answer.error.code };
      } catch {
        outcome = { ok: false, reason: "documents_unavailable" };
      }
    }
    const where = and(eq(invoiceJobs.orgId, row.orgId), eq(invoiceJobs.id, row.id), isNull(invoiceJobs.documentId));
    if (outcome.ok) {
      await db.update(invoiceJobs).set({ documentId: outcome.documentId, pdfLastError: null, pdfNextAttemptAt: null }).where(where);
      issued++;
    } else {
      const failures = (await pdfAttemptsOf(db, row.id)) + 1;
      const nextAttemptAt = new Date(Date.parse(now()) + retryDelayMs(failures)).toISOString();
      await db.update(invoiceJobs).set({ pdfAttempts: sql`${invoiceJobs.pdfAttempts} + 1`, pdfLastError: outcome.reason, pdfNextAttemptAt: nextAttemptAt }).where(where);
      const level = failures >= PDF_ALERT_ATTEMPTS ? "error" : "warn";
      console.error(JSON.stringify({ level, message: "invoice PDF left pending", invoiceId: row.id, attempts: failures, reason: outcome.reason, nextAttemptAt }));
    }
  }
  return issued;
}

async function pdfAttemptsOf(db: DrizzleD1Database, invoiceId: string): Promise<number> {
  return (await db.select({ n: invoiceJobs.pdfAttempts }).from(invoiceJobs).where(eq(invoiceJobs.id, invoiceId)).get())?.n ?? 0;
}

/** The invoice rows (whole) of the given pending job ids, in the jobs' order. */
async function rowsOf(db: DrizzleD1Database, ids: string[]): Promise<InvoiceRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.select().from(invoices).where(inArray(invoices.id, ids)).all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
}

/**
 * Issue the PDFs still pending and due, least-tried (then oldest) first so one that keeps failing
 * cannot starve the rest; `scope` narrows it to one org or policy (the prompt issue after a commit,
 * which does not wait out a backoff).
 */
export async function issuePendingPdfs(
  db: DrizzleD1Database,
  env: PdfEnv,
  scope: { orgId?: string; policyId?: string } = {},
  limit = PDF_SWEEP_BATCH,
  now: () => string = () => realClock.now().toISOString(),
): Promise<number> {
  const conditions: (SQL | undefined)[] = [isNull(invoiceJobs.documentId)];
  if (scope.orgId) conditions.push(eq(invoiceJobs.orgId, scope.orgId));
  if (scope.policyId) conditions.push(eq(invoiceJobs.policyId, scope.policyId));
  if (!scope.policyId) conditions.push(or(isNull(invoiceJobs.pdfNextAttemptAt), lte(invoiceJobs.pdfNextAttemptAt, now())));
  const jobs = await db
    .select({ id: invoiceJobs.id })
    .from(invoiceJobs)
    .where(and(...conditions))
    .orderBy(asc(invoiceJobs.pdfAttempts), asc(invoiceJobs.createdAt))
    .limit(limit)
    .all();
  return issueRows(db, env, await rowsOf(db, jobs.map((j) => j.id)), now);
}

/** The prompt issue after a write: never throws (what fails stays pending for the sweep). */
export async function issuePdfsAfterCommit(db: DrizzleD1Database, env: PdfEnv, scope: { orgId?: string; policyId?: string } = {}): Promise<void> {
  try {
    await issuePendingPdfs(db, env, scope);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: "invoice PDF issue failed; the sweep retries it", ...scope, error: String(error) }));
  }
}

/**
 * Policy paper: the declarations page of every bind (renewals included) and endorsement, and the
 * MCS-90 of a commercial auto policy. Nothing is lost between the transaction and its paper:
 *
 * 1. the transaction's own batch writes one pending job row per piece (`policy_documents`), holding
 *    the template data as of that transaction, so the paper exists exactly when the transaction did;
 * 2. after the commit the worker asks the documents worker to issue them (`issuePolicyDocument`), and
 *    marks each row issued with its document id; a failure or a timeout leaves the row pending and
 *    never fails the transaction;
 * 3. the cron sweeps pending rows every minute and asks again for those that are due: a row that
 *    failed waits a minute, then twice as long after each further failure, up to an hour, and is
 *    logged as an error once it has failed {@link PAPER_ALERT_ATTEMPTS} times (it is never given up:
 *    the paper is the policy's). The documents worker answers the same document for the same source
 *    key, so a retry after a lost answer never makes a second one.
 *
 * A later issue never replaces an earlier row: each has its own source key (`{policyId}:{seq}:{kind}`)
 * and the policy lists them all, the latest of each kind marked current.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { realClock } from "#shared/clock";
import type { Statement } from "#shared/db";
import { fromCents } from "#shared/money";
import type { DeclarationsData, Mcs90Data, PolicyDocumentRequest } from "#shared/rpc";
import type { UnderwritingEnv } from "./env.ts";
import { policyDocuments, policyTransactions, type InstallmentRow, type PolicyDocumentRow, type PolicyPaperKind, type PolicyRow } from "./schema.ts";
import type { PolicyDocument } from "./types.ts";

/** What issuing paper needs: the documents worker, and identity for the producer's (the org's) name. */
export type PaperEnv = Pick<UnderwritingEnv, "DOCUMENTS" | "IDENTITY">;

/** 49 CFR 387.9 as the platform writes it: general freight, and hazardous materials. */
export const MCS90_LIMIT_CENTS = { standard: 75_000_000, hazmat: 500_000_000 } as const;

/** A documents call that has not answered in this long is left pending for the sweep. */
export const ISSUE_TIMEOUT_MS = 15_000;

/** Rows one sweep asks about (a minute apart, so a backlog drains at this rate per minute). */
export const SWEEP_BATCH = 25;

/** Failed attempts after which a row still pending is logged as an error (about two hours of retries). */
export const PAPER_ALERT_ATTEMPTS = 8;

/** How long after its `failures`-th failed attempt a row is due again: a minute, doubling, at most an hour. */
export function paperRetryDelayMs(failures: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, failures - 1), 60 * 60_000);
}

const LINE_FORMS: Record<PolicyRow["lineOfBusiness"], { code: string; title: string }> = {
  GL: { code: "OI-GL-01", title: "Commercial general liability coverage form" },
  PROP: { code: "OI-PROP-01", title: "Commercial property coverage form" },
  CA: { code: "OI-CA-01", title: "Business auto coverage form" },
};

const CHANGE_LABELS: Record<string, string> = {
  requestedLimit: "Limit",
  deductible: "Deductible",
  annualRevenue: "Annual revenue",
  propertyValues: "Property values",
  vehicleCount: "Vehicles",
  insuredName: "Named insured",
};
const MONEY_CHANGES = new Set(["requestedLimit", "deductible", "annualRevenue", "propertyValues"]);

/** One line naming an endorsement's change: its description, or its changes in words. */
export function describeEndorsement(details: Record<string, unknown>): string {
  if (typeof details.description === "string" && details.description.trim()) return details.description.trim();
  const changes = (details.changes ?? {}) as Record<string, unknown>;
  const parts = Object.entries(changes).map(([field, value]) => {
    const shown = MONEY_CHANGES.has(field) && typeof value === "number" ? `$${value.toLocaleString("en-US", { maximumFractionDigits: 2 })}` : String(value);
    return `${CHANGE_LABELS[field] ?? field} changed to ${shown}`;
  });
  return parts.length ? parts.join("; ") : "Policy changed";
}

/** The policy as of one transaction: everything the paper prints except the producer's name. */
export interface PaperSnapshot {
  orgId: string;
  /** The policy after the transaction. At bind its number is not known yet (the batch assigns it): it is set in SQL. */
  policy: Pick<
    PolicyRow,
    "id" | "insuredName" | "lineOfBusiness" | "state" | "effectiveDate" | "expirationDate" | "limitCents" | "deductibleCents" | "writtenPremiumCents" | "annualPremiumCents" | "installmentPlan" | "exposure"
  >;
  insuredEmail: string | null;
  transaction: { id: string; seq: number; type: "new_business" | "renewal" | "endorsement"; effectiveDate: string };
  /** For an endorsement, its number on the policy (1 for the first). */
  endorsementNumber: number | null;
  /** Every endorsement in force after the transaction, oldest first. */
  endorsements: { number: number; effectiveDate: string; description: string }[];
  /** The bound quote's taxes and fees (cents). */
  taxes: { name: string; amountCents: number }[];
  fees: { name: string; amountCents: number }[];
  installments: Pick<InstallmentRow, "number" | "dueDate" | "premiumCents" | "feeCents">[];
  /** The carrier of the delegated-authority agreement the policy was bound under, if any. */
  carrier: string | null;
  /** When the paper is issued (the transaction's time on the org's clock). */
  at: string;
}

/** Stored template data: `insurer: null` when no agreement names a carrier (the org's own paper), no producer yet. */
type StoredData<T> = Omit<T, "producer" | "insurer"> & { insurer: { name: string } | null };

function ratingBasis(policy: PaperSnapshot["policy"]): DeclarationsData["ratingBasis"] {
  const e = policy.exposure;
  if (policy.lineOfBusiness === "PROP") return { basis: "property_values", amount: fromCents(e.propertyValuesCents ?? 0) };
  if (policy.lineOfBusiness === "CA") return { basis: "vehicles", amount: e.vehicleCount ?? 0 };
  return { basis: "revenue", amount: fromCents(e.annualRevenueCents) };
}

/** The MCS-90 limit of a policy, in cents: the federal minimum, or the hazardous-materials limit. */
export const mcs90LimitCents = (exposure: PaperSnapshot["policy"]["exposure"]) => (exposure.hazmat ? MCS90_LIMIT_CENTS.hazmat : MCS90_LIMIT_CENTS.standard);

/** The declarations data a snapshot prints (its policy number filled in by the batch). */
export function declarationsData(s: PaperSnapshot): StoredData<DeclarationsData> {
  const p = s.policy;
  const sum = (items: { amountCents: number }[]) => items.reduce((n, i) => n + i.amountCents, 0);
  const installmentFeeCents = s.installments.reduce((n, i) => n + i.feeCents, 0);
  const forms = [{ code: "OI-DEC", title: "Common policy declarations" }, LINE_FORMS[p.lineOfBusiness]];
  if (p.lineOfBusiness === "CA") forms.push({ code: "MCS-90", title: "Motor carrier endorsement for public liability (Motor Carrier Act of 1980, sections 29 and 30)" });
  return {
    policyNumber: "",
    insured: { name: p.insuredName, email: s.insuredEmail },
    effectiveDate: p.effectiveDate,
    expirationDate: p.expirationDate,
    lineOfBusiness: p.lineOfBusiness,
    state: p.state,
    insurer: s.carrier ? { name: s.carrier } : null,
    limit: fromCents(p.limitCents),
    deductible: p.deductibleCents === null ? null : fromCents(p.deductibleCents),
    ratingBasis: ratingBasis(p),
    premium: fromCents(p.writtenPremiumCents),
    annualPremium: fromCents(p.annualPremiumCents),
    taxes: s.taxes.map((t) => ({ name: t.name, amount: fromCents(t.amountCents) })),
    fees: s.fees.map((f) => ({ name: f.name, amount: fromCents(f.amountCents) })),
    installmentPlan: p.installmentPlan,
    installments: s.installments.map((i) => ({ number: i.number, dueDate: i.dueDate, premium: fromCents(i.premiumCents), fee: fromCents(i.feeCents) })),
    // In cents, then once to major units: the page's total is exact.
    total: fromCents(p.writtenPremiumCents + sum(s.taxes) + sum(s.fees) + installmentFeeCents),
    forms,
    endorsements: s.endorsements,
    reflects: reflectsOf(s),
    issuedAt: s.at,
  };
}

function reflectsOf(s: PaperSnapshot): DeclarationsData["reflects"] {
  return { transactionType: s.transaction.type, transactionId: s.transaction.id, effectiveDate: s.transaction.effectiveDate, endorsementNumber: s.endorsementNumber };
}

/** The MCS-90 data a snapshot prints (its policy number filled in by the batch). */
export function mcs90Data(s: PaperSnapshot): StoredData<Mcs90Data> {
  return {
    policyNumber: "",
    insured: { name: s.policy.insuredName },
    insurer: s.carrier ? { name: s.carrier } : null,
    effectiveDate: s.transaction.type === "endorsement" ? s.transaction.effectiveDate : s.policy.effectiveDate,
    limit: fromCents(mcs90LimitCents(s.policy.exposure)),
    hazmat: s.policy.exposure.hazmat === true,
    reflects: reflectsOf(s),
    issuedAt: s.at,
  };
}

/** Which paper a transaction issues: always declarations; an MCS-90 only on commercial auto (DECISIONS.md, "Documents"). */
export const paperKinds = (lineOfBusiness: PolicyRow["lineOfBusiness"]): PolicyPaperKind[] => (lineOfBusiness === "CA" ? ["declarations", "mcs90"] : ["declarations"]);

export const sourceKeyOf = (policyId: string, seq: number, kind: PolicyPaperKind) => `${policyId}:${seq}:${kind}`;

/**
 * The pending job rows of a transaction's paper, for its batch. Each row is inserted from the policy
 * row itself, so it exists only if the policy does (a bind that loses its race writes none) and takes
 * its policy number from it (at bind the same batch has just assigned it).
 */
export function paperJobStatements(s: PaperSnapshot): Statement[] {
  return paperKinds(s.policy.lineOfBusiness).map((kind) => {
    const data = kind === "declarations" ? declarationsData(s) : mcs90Data(s);
    return sql`INSERT INTO policy_documents (org_id, source_key, policy_id, kind, transaction_id, seq, transaction_type, endorsement_number,
        effective_date, data, status, attempts, created_at)
      SELECT ${s.orgId}, ${sourceKeyOf(s.policy.id, s.transaction.seq, kind)}, id, ${kind}, ${s.transaction.id}, ${s.transaction.seq},
        ${s.transaction.type}, ${s.endorsementNumber}, ${reflectsOf(s).effectiveDate}, json_set(${JSON.stringify(data)}, '$.policyNumber', policy_number),
        'pending', 0, ${s.at}
      FROM policies WHERE id = ${s.policy.id} AND org_id = ${s.orgId}`;
  });
}

/** The endorsements already on a policy's timeline, numbered in order, for the next issue's list. */
export async function endorsementHistoryOf(db: DrizzleD1Database, orgId: string, policyId: string): Promise<PaperSnapshot["endorsements"]> {
  const rows = await db
    .select({ effectiveDate: policyTransactions.effectiveDate, details: policyTransactions.details })
    .from(policyTransactions)
    .where(and(eq(policyTransactions.orgId, orgId), eq(policyTransactions.policyId, policyId), eq(policyTransactions.type, "endorsement")))
    .orderBy(asc(policyTransactions.seq))
    .all();
  return rows.map((r, i) => ({ number: i + 1, effectiveDate: r.effectiveDate, description: describeEndorsement(r.details) }));
}

/** Resolves to `undefined` if `promise` has not settled within `ms` (it keeps running; its answer is dropped). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The request for one job row, with the producer (and, on the org's own paper, the insurer) named. */
function requestOf(row: PolicyDocumentRow, orgName: string): PolicyDocumentRequest {
  const stored = row.data as Record<string, unknown> & { policyNumber: string; insurer: { name: string } | null };
  const party = { name: orgName };
  const filename = `${stored.policyNumber}-${row.kind}-${row.seq}.pdf`;
  if (row.kind === "declarations") {
    const data = { ...stored, insurer: stored.insurer ?? party, producer: party } as unknown as DeclarationsData;
    return { kind: "declarations", sourceKey: row.sourceKey, policyId: row.policyId, filename, data };
  }
  const data = { ...stored, insurer: stored.insurer ?? party } as unknown as Mcs90Data;
  return { kind: "mcs90", sourceKey: row.sourceKey, policyId: row.policyId, filename, data };
}

/** Why an issue did not complete, for the job row (never a stack or a secret). */
type IssueOutcome = { ok: true; documentId: string } | { ok: false; reason: string };

async function issueOne(env: PaperEnv, row: PolicyDocumentRow, orgName: string): Promise<IssueOutcome> {
  const ask = async (): Promise<IssueOutcome> => {
    const answer = await env.DOCUMENTS.issuePolicyDocument(row.orgId, requestOf(row, orgName));
    return answer.ok ? { ok: true, documentId: answer.value.id } : { ok: false, reason: answer.error.code };
  };
  try {
    return (await within(ask(), ISSUE_TIMEOUT_MS)) ?? { ok: false, reason: "timeout" };
  } catch {
    return { ok: false, reason: "documents_unavailable" };
  }
}

/**
 * Asks the documents worker for each pending row, then records each outcome: issued with its
 * document id (only while still pending, so a sweep racing a prompt issue writes the same answer
 * once), or one more attempt and why. Never throws for the documents or identity worker failing.
 * Returns how many rows were issued.
 */
async function issueRows(db: DrizzleD1Database, env: PaperEnv, rows: PolicyDocumentRow[], now: () => string): Promise<number> {
  const names = new Map<string, string | null>();
  let issued = 0;
  for (const row of rows) {
    if (!names.has(row.orgId)) names.set(row.orgId, await within(env.IDENTITY.orgName(row.orgId), ISSUE_TIMEOUT_MS).catch(() => undefined) ?? null);
    const orgName = names.get(row.orgId);
    const outcome: IssueOutcome = orgName ? await issueOne(env, row, orgName) : { ok: false, reason: "org_name_unavailable" };
    const where = and(eq(policyDocuments.orgId, row.orgId), eq(policyDocuments.sourceKey, row.sourceKey), eq(policyDocuments.status, "pending"));
    if (outcome.ok) {
      await db.update(policyDocuments).set({ status: "issued", documentId: outcome.documentId, issuedAt: now(), lastError: null, nextAttemptAt: null }).where(where);
      issued++;
    } else {
      const failures = row.attempts + 1;
      const nextAttemptAt = new Date(Date.parse(now()) + paperRetryDelayMs(failures)).toISOString();
      await db.update(policyDocuments).set({ attempts: sql`${policyDocuments.attempts} + 1`, lastError: outcome.reason, nextAttemptAt }).where(where);
      const level = failures >= PAPER_ALERT_ATTEMPTS ? "error" : "warn";
      console.error(JSON.stringify({ level, message: "policy paper left pending", sourceKey: row.sourceKey, attempts: failures, reason: outcome.reason, nextAttemptAt }));
    }
  }
  return issued;
}

/** After a transaction commits: issue its policy's pending paper now. Failures stay pending for the sweep. */
export async function issuePendingPaper(db: DrizzleD1Database, env: PaperEnv, orgId: string, policyId: string, now: () => string = realNowIso): Promise<number> {
  const rows = await db
    .select()
    .from(policyDocuments)
    .where(and(eq(policyDocuments.orgId, orgId), eq(policyDocuments.policyId, policyId), eq(policyDocuments.status, "pending")))
    .orderBy(asc(policyDocuments.seq))
    .all();
  return issueRows(db, env, rows, now);
}

/**
 * The committed transaction's paper, issued before the answer so it can name the documents. Its job
 * rows are already committed: whatever goes wrong here leaves them pending for the cron's sweep, and
 * never turns a committed transaction into an error.
 */
export async function issuePaperAfterCommit(db: DrizzleD1Database, env: PaperEnv, orgId: string, policyId: string): Promise<void> {
  try {
    await issuePendingPaper(db, env, orgId, policyId);
  } catch (error) {
    console.error(JSON.stringify({ level: "error", message: "policy paper issue failed; the sweep retries it", policyId, error: String(error) }));
  }
}

/**
 * The cron's pass: the pending rows that are due, tried least (then oldest) first, so one that keeps
 * failing cannot starve the rest.
 */
export async function sweepPendingPaper(db: DrizzleD1Database, env: PaperEnv, limit = SWEEP_BATCH, now: () => string = realNowIso): Promise<number> {
  const rows = await db
    .select()
    .from(policyDocuments)
    .where(and(eq(policyDocuments.status, "pending"), or(isNull(policyDocuments.nextAttemptAt), lte(policyDocuments.nextAttemptAt, now()))))
    .orderBy(asc(policyDocuments.attempts), asc(policyDocuments.createdAt))
    .limit(limit)
    .all();
  return issueRows(db, env, rows, now);
}

/** When a document was stored: delivery machinery, so real time (like the outbox relay's stamps). */
const realNowIso = () => realClock.now().toISOString();

/** Policy ids per `IN (…)` lookup, well under D1's 100 bound parameters. */
const IDS_PER_STATEMENT = 50;

/** The paper of each policy, oldest first, as the API shows it; the latest issue of each kind is `current`. */
export async function documentsOfPolicies(db: DrizzleD1Database, orgId: string, policyIds: string[]): Promise<Map<string, PolicyDocument[]>> {
  const byPolicy = new Map<string, PolicyDocumentRow[]>();
  for (let i = 0; i < policyIds.length; i += IDS_PER_STATEMENT) {
    const chunk = policyIds.slice(i, i + IDS_PER_STATEMENT);
    const rows = await db
      .select()
      .from(policyDocuments)
      .where(and(eq(policyDocuments.orgId, orgId), inArray(policyDocuments.policyId, chunk)))
      .orderBy(asc(policyDocuments.seq), asc(policyDocuments.kind))
      .all();
    for (const row of rows) byPolicy.set(row.policyId, [...(byPolicy.get(row.policyId) ?? []), row]);
  }
  return new Map([...byPolicy].map(([id, rows]) => [id, toPolicyDocuments(rows)]));
}

export async function documentsOfPolicy(db: DrizzleD1Database, orgId: string, policyId: string): Promise<PolicyDocument[]> {
  return (await documentsOfPolicies(db, orgId, [policyId])).get(policyId) ?? [];
}

/** Rows (in seq order) as the API shows them. */
export function toPolicyDocuments(rows: PolicyDocumentRow[]): PolicyDocument[] {
  const latest = new Map<string, number>();
  for (const r of rows) latest.set(r.kind, Math.max(latest.get(r.kind) ?? 0, r.seq));
  return rows.map((r) => ({
    kind: r.kind,
    status: r.status,
    documentId: r.documentId as PolicyDocument["documentId"],
    transactionId: r.transactionId,
    transactionType: r.transactionType,
    endorsementNumber: r.endorsementNumber,
    effectiveDate: r.effectiveDate,
    issuedAt: r.issuedAt,
    current: latest.get(r.kind) === r.seq,
  }));
}

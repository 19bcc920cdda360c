/**
 * A synthetic book of business for `npm run bench:scale`, written straight into a sandbox's local
 * underwriting D1 in the row shapes the services write: each policy as bind stores it (policy row,
 * installment, new-business transaction, number sequence), some endorsed and some cancelled with
 * the rating module's own premium arithmetic, delegated-authority agreements, and the summary rows
 * (portfolio-summary.ts) those transactions would have kept. Generating them is deterministic per
 * seed, so two runs load the same book.
 *
 * With `producers` set, the book is also sold through that many producers (each policy by one, in
 * turn) and the producers worker's side is generated beside it (into {@link Book.producers}): the
 * producer records, one commission row per transaction as `recordCommissions` writes it (the
 * producer's new-business rate for the line, `mulDivRound` once per row, booked on the
 * transaction's day) and the monthly summary rows (org × month × producer × line) those rows sum to.
 *
 * Rows travel as JSON arrays expanded by `json_each`: each statement binds one parameter (well
 * under D1's 100) and stays under D1's 100 KB statement size once that parameter is inlined as a
 * SQL literal. The statements go into files applied with
 * `wrangler d1 execute --local --persist-to <state> --file`, so a 100,000-policy book loads in a
 * few minutes on two cores.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addYears, formatDate, parseDate } from "../../workers/_shared/dates.ts";
import { byMonth, policyIncrements, type Increments, type SummaryPolicy } from "../../workers/underwriting/src/portfolio-summary.ts";
import { cancellationReturn, endorsementDelta } from "../../workers/underwriting/src/rating/transactions.ts";
import { mulDivRound } from "../../workers/_shared/money.ts";
import { root, wranglerEnv } from "./sandbox.ts";

const LINES = ["GL", "PROP", "CA"] as const;
const STATES = ["CA", "OR", "WA", "NV", "AZ", "TX", "NY", "FL", "IL", "CO"] as const;
const MAX_PARAMS = 99;
/** JSON per statement: D1 caps a statement at 100 KB, and an inlined parameter counts toward it. */
const MAX_STATEMENT_CHARS = 90_000;
const DAY_MS = 86_400_000;

/** A statement and its bound values (at most {@link MAX_PARAMS}; the loader's bind one). */
export interface Statement {
  sql: string;
  params: (string | number | null)[];
}

export interface BookOptions {
  orgId: string;
  policies: number;
  /** Delegated authority agreements; every third policy is bound under one of them. */
  agreements: number;
  /** Policies take effect over the two years before this date. */
  today: string;
  seed: number;
  /** Producers who sold the book (0 or absent: none, and no commission rows). */
  producers?: number;
}

/** The statements of a book: underwriting's, and the producers worker's (its producers and commissions). */
export interface Book {
  underwriting: Statement[];
  producers: Statement[];
  /** The producer ids, in the order they sold (policy i by producer i mod n). */
  producerIds: string[];
  /** Per booked month (YYYY-MM): the written premium, commission and transaction count the commission rows hold. */
  commissionMonths: Map<string, { writtenCents: number; commissionCents: number; count: number }>;
}

/** mulberry32: a small deterministic PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** A ULID-shaped id whose time part is `ms` and whose random part is a counter: unique and ordered like the services' ids. */
function idAt(prefix: string, ms: number, n: number): string {
  let time = "";
  for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  let rest = "";
  for (let i = 0, c = n; i < 16; i++, c = Math.floor(c / 32)) rest = CROCKFORD[c % 32] + rest;
  return `${prefix}_${time}${rest}`;
}

/**
 * Rows of one table, packed into `INSERT … SELECT … FROM json_each(?)` statements: one bound
 * parameter each, a JSON array of rows kept under {@link MAX_STATEMENT_CHARS} so that the
 * statement stays within D1's statement-size limit once inlined (the technique the summary upserts
 * use). JSON integers, strings and nulls land as INTEGER, TEXT and NULL, the services' own types.
 */
class Table {
  private rows: string[] = [];
  private chars = 0;
  constructor(
    private readonly name: string,
    private readonly columns: string[],
    private readonly out: Statement[],
  ) {}
  add(row: (string | number | null)[]) {
    const json = JSON.stringify(row);
    if (this.chars + json.length > MAX_STATEMENT_CHARS) this.flush();
    this.rows.push(json);
    this.chars += json.length + 1;
  }
  flush() {
    if (this.rows.length === 0) return;
    const values = this.columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
    this.out.push({
      sql: `INSERT INTO ${this.name} (${this.columns.join(", ")}) SELECT ${values} FROM json_each(?)`,
      params: [`[${this.rows.join(",")}]`],
    });
    this.rows = [];
    this.chars = 0;
  }
}

const addDays = (date: string, n: number) => formatDate(new Date(parseDate(date).getTime() + n * DAY_MS));

/** Every statement that loads the book of `opts.orgId`, summary rows included. */
export function bookStatements(opts: BookOptions): Book {
  const out: Statement[] = [];
  const producerOut: Statement[] = [];
  const commissionOut: Statement[] = [];
  const rnd = random(opts.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const { orgId } = opts;
  const policies = new Table("policies", [
    "id", "org_id", "policy_number", "status", "submission_id", "insured_name", "line_of_business", "state", "effective_date",
    "expiration_date", "gross_premium_cents", "installment_plan", "created_at", "updated_at", "quote_id", "annual_premium_cents",
    "written_premium_cents", "limit_cents", "deductible_cents", "rate_table_version", "exposure", "cancellation",
    "renewal_of_policy_id", "renewed_by_policy_id", "da_agreement_id", "version",
  ], out);
  const installments = new Table("installments", ["policy_id", "number", "due_date", "premium_cents", "fee_cents"], out);
  const transactions = new Table("policy_transactions", [
    "id", "org_id", "policy_id", "seq", "type", "effective_date", "premium_delta_cents", "actor", "details", "created_at",
  ], out);

  const startMs = parseDate(addDays(opts.today, -730)).getTime();
  const agreementIds = Array.from({ length: opts.agreements }, (_, i) => idAt("da", startMs - DAY_MS, opts.seed * 1000 + i));
  const usage = new Map<string, number>(agreementIds.map((id) => [id, 0]));
  const sequences = new Map<string, number>();
  const totals = new Map<string, { written: number; count: number }>();
  const days = new Map<string, Increments>();

  // The producers who sold it: rates of 8–14.5% new business per line, two decimals at most.
  const producerCount = opts.producers ?? 0;
  const sellers = Array.from({ length: producerCount }, (_, p) => ({
    id: idAt("prd", startMs - 2 * DAY_MS, opts.seed * 1000 + p),
    rateBps: Object.fromEntries(LINES.map((line, l) => [line, 800 + ((p * 3 + l * 5) % 14) * 50])) as Record<(typeof LINES)[number], number>,
  }));
  const commissionRows = new Table("commissions", [
    "id", "org_id", "producer_id", "policy_id", "policy_number", "transaction_id", "transaction_seq", "transaction_type", "line_of_business",
    "effective_date", "booked_on", "month", "rate_kind", "rate_bps", "premium_delta_cents", "commission_cents", "created_at",
  ], commissionOut);
  const commissionSums = new Map<string, { written: number; commission: number; count: number }>();
  const commissionMonths: Book["commissionMonths"] = new Map();

  for (let i = 0; i < opts.policies; i++) {
    const line = pick(LINES);
    const state = pick(STATES);
    const offset = Math.floor(rnd() * 730);
    const effectiveDate = addDays(opts.today, offset - 730);
    const expirationDate = addYears(effectiveDate, 1);
    const createdMs = startMs + Math.floor((i * 730 * DAY_MS) / opts.policies);
    const createdAt = new Date(createdMs).toISOString();
    const premium = 50_000 + Math.floor(rnd() * 1_950_000);
    const year = effectiveDate.slice(0, 4);
    const seqKey = `${line}|${year}`;
    const number = (sequences.get(seqKey) ?? 0) + 1;
    sequences.set(seqKey, number);
    const policyId = idAt("pol", createdMs, opts.seed * 10_000_000 + i);
    const agreementId = agreementIds.length && i % 3 === 0 ? agreementIds[(i / 3) % agreementIds.length]! : null;
    if (agreementId) usage.set(agreementId, usage.get(agreementId)! + premium);

    const txs: { type: string; effectiveDate: string; premiumDeltaCents: number; details: Record<string, unknown> }[] = [
      { type: "new_business", effectiveDate, premiumDeltaCents: premium, details: { quoteId: idAt("qte", createdMs, i), installmentPlan: "PIF", grossPremiumCents: premium } },
    ];
    let annual = premium;
    let written = premium;
    const roll = rnd();
    if (roll < 0.1) {
      // An endorsement 100 days in raising the annual premium by 10%, priced pro rata as the service does.
      const newAnnual = Math.round(annual * 1.1);
      const delta = endorsementDelta({ oldAnnualCents: annual, newAnnualCents: newAnnual, effectiveDate, expirationDate, endorsementDate: addDays(effectiveDate, 100) });
      if (delta.ok) {
        txs.push({ type: "endorsement", effectiveDate: addDays(effectiveDate, 100), premiumDeltaCents: delta.value.premiumDeltaCents, details: { method: "pro_rata", newAnnualPremium: newAnnual / 100 } });
        annual = newAnnual;
        written += delta.value.premiumDeltaCents;
      }
    }
    let cancellation: Record<string, unknown> | null = null;
    if (roll > 0.95) {
      const cancellationDate = addDays(effectiveDate, 200);
      const returned = cancellationReturn({ method: "pro_rata", premiumInForceCents: annual, writtenPremiumCents: written, effectiveDate, expirationDate, cancellationDate });
      if (returned.ok) {
        const transactionId = idAt("txn", createdMs + 2, opts.seed * 10_000_000 + i);
        txs.push({ type: "cancellation", effectiveDate: cancellationDate, premiumDeltaCents: -returned.value.returnPremiumCents, details: { method: "pro_rata", reason: "insured_request" } });
        written -= returned.value.returnPremiumCents;
        cancellation = { effectiveDate: cancellationDate, method: "pro_rata", reason: "insured_request", returnPremiumCents: returned.value.returnPremiumCents, transactionId };
      }
    }
    const status = cancellation ? "cancelled" : "active";
    const policyNumber = `${line}-${year}-${String(number).padStart(6, "0")}`;
    policies.add([
      policyId, orgId, policyNumber, status, idAt("sub", createdMs, opts.seed * 10_000_000 + i),
      `Scale Insured ${i}`, line, state, effectiveDate, expirationDate, premium, "PIF", createdAt, createdAt, idAt("qte", createdMs, i),
      annual, written, 100_000_000, null, `${line}-2026.1`,
      JSON.stringify({ naicsCode: "236220", annualRevenueCents: 500_000_000, propertyValuesCents: null, vehicleCount: null, yearsInBusiness: 5, priorLosses: [] }),
      cancellation ? JSON.stringify(cancellation) : null, null, null, agreementId, txs.length,
    ]);
    installments.add([policyId, 1, effectiveDate, premium, 0]);
    const seller = producerCount ? sellers[i % producerCount]! : null;
    txs.forEach((t, n) => {
      const transactionId = n === 2 && cancellation ? String(cancellation.transactionId) : idAt("txn", createdMs + n, opts.seed * 10_000_000 + i);
      transactions.add([transactionId, orgId, policyId, n + 1, t.type, t.effectiveDate, t.premiumDeltaCents, "key_bench", JSON.stringify(t.details), createdAt]);
      if (!seller) return;
      const rateBps = seller.rateBps[line];
      const commission = mulDivRound(t.premiumDeltaCents, rateBps, 10_000);
      const bookedOn = createdAt.slice(0, 10);
      const month = bookedOn.slice(0, 7);
      commissionRows.add([
        idAt("com", createdMs + n, opts.seed * 10_000_000 + i), orgId, seller.id, policyId, policyNumber, transactionId, n + 1, t.type, line,
        t.effectiveDate, bookedOn, month, "new_business", rateBps, t.premiumDeltaCents, commission, createdAt,
      ]);
      const sumKey = `${month}|${seller.id}|${line}`;
      const sum = commissionSums.get(sumKey) ?? { written: 0, commission: 0, count: 0 };
      sum.written += t.premiumDeltaCents;
      sum.commission += commission;
      sum.count += 1;
      commissionSums.set(sumKey, sum);
      const byMonthSum = commissionMonths.get(month) ?? { writtenCents: 0, commissionCents: 0, count: 0 };
      byMonthSum.writtenCents += t.premiumDeltaCents;
      byMonthSum.commissionCents += commission;
      byMonthSum.count += 1;
      commissionMonths.set(month, byMonthSum);
    });

    const key = `${line}|${state}`;
    const total = totals.get(key) ?? { written: 0, count: 0 };
    total.written += written;
    total.count += 1;
    totals.set(key, total);
    const summary: SummaryPolicy = {
      lineOfBusiness: line, state, effectiveDate, expirationDate, status,
      cancelledOn: cancellation ? String(cancellation.effectiveDate) : null,
      writtenPremiumCents: written,
      transactions: txs,
    };
    let sliceDays = days.get(key);
    if (!sliceDays) days.set(key, (sliceDays = new Map()));
    policyIncrements(summary, sliceDays);
  }
  for (const t of [policies, installments, transactions]) t.flush();

  const sequenceRows = new Table("policy_number_sequences", ["org_id", "line_of_business", "year", "last_value"], out);
  for (const [k, last] of sequences) {
    const [line, year] = k.split("|");
    sequenceRows.add([orgId, line!, Number(year), last]);
  }
  sequenceRows.flush();
  const agreements = new Table("da_agreements", [
    "id", "org_id", "carrier", "program", "line_of_business", "max_limit_per_risk_cents", "states", "naics_prefixes", "aggregate_cap_cents", "created_at",
  ], out);
  const usageRows = new Table("da_agreement_usage", ["agreement_id", "org_id", "written_cents", "limit_approaching_at"], out);
  agreementIds.forEach((id, n) => {
    const written = usage.get(id)!;
    agreements.add([id, orgId, `Carrier ${n}`, `Program ${n}`, null, 500_000_000, JSON.stringify(STATES), JSON.stringify(["23"]), Math.max(written * 2, 100_000_000), new Date(startMs - DAY_MS + n).toISOString()]);
    usageRows.add([id, orgId, written, null]);
  });
  agreements.flush();
  usageRows.flush();

  const totalRows = new Table("portfolio_totals", ["org_id", "line_of_business", "state", "written_cents", "policy_count"], out);
  const dailyRows = new Table("portfolio_daily", ["org_id", "day", "line_of_business", "state", "earned_cents", "active_delta"], out);
  const monthlyRows = new Table("portfolio_monthly", ["org_id", "month", "line_of_business", "state", "earned_cents", "active_delta"], out);
  for (const [key, t] of totals) {
    const [line, state] = key.split("|") as [string, string];
    totalRows.add([orgId, line, state, t.written, t.count]);
    const sliceDays = days.get(key)!;
    for (const [day, [earned, active]] of sliceDays) if (earned || active) dailyRows.add([orgId, day, line, state, earned, active]);
    for (const [month, [earned, active]] of byMonth(sliceDays)) monthlyRows.add([orgId, month, line, state, earned, active]);
  }
  for (const t of [totalRows, dailyRows, monthlyRows]) t.flush();

  // The producers worker's side: producers before the rows that reference them.
  const producerRows = new Table("producers", [
    "id", "org_id", "name", "email", "npn", "agency", "status", "licenses", "commission_rates", "created_at", "updated_at",
  ], producerOut);
  const producedAt = new Date(startMs - 2 * DAY_MS).toISOString();
  sellers.forEach((seller, p) => {
    const rates = Object.fromEntries(LINES.map((line) => [line, { newBusiness: seller.rateBps[line] / 100, renewal: seller.rateBps[line] / 200 }]));
    producerRows.add([
      seller.id, orgId, `Scale Producer ${p}`, `producer${p}@scale.example`, String(1_000_000 + opts.seed * 1000 + p), `Agency ${p % 3}`, "active",
      JSON.stringify(STATES.map((state) => ({ state, lines: [...LINES], number: `${state}-${p}`, expiresOn: addDays(opts.today, 365) }))), JSON.stringify(rates),
      producedAt, producedAt,
    ]);
  });
  producerRows.flush();
  commissionRows.flush();
  producerOut.push(...commissionOut);
  const summaryRows = new Table("commission_summaries", [
    "org_id", "month", "producer_id", "line_of_business", "written_premium_cents", "commission_cents", "transaction_count",
  ], producerOut);
  for (const [key, sum] of commissionSums) {
    const [month, producerId, line] = key.split("|") as [string, string, string];
    summaryRows.add([orgId, month, producerId, line, sum.written, sum.commission, sum.count]);
  }
  summaryRows.flush();
  return { underwriting: out, producers: producerOut, producerIds: sellers.map((s) => s.id), commissionMonths };
}

/** A SQL literal: the loader's values are strings, integers and nulls. */
function literal(v: string | number | null): string {
  if (v === null) return "NULL";
  if (typeof v === "number") {
    if (!Number.isSafeInteger(v)) throw new Error(`not an integer: ${v}`);
    return String(v);
  }
  return `'${v.replace(/'/g, "''")}'`;
}

/** `statement` with its parameters inlined, for a `--file` that `wrangler d1 execute` runs. */
export function inline(statement: Statement): string {
  if (statement.params.length > MAX_PARAMS) throw new Error(`statement binds ${statement.params.length} parameters`);
  let i = 0;
  return statement.sql.replace(/\?/g, () => literal(statement.params[i++]!)) + ";";
}

/** A worker's local D1 database: its `database_name` and the wrangler.toml that declares it. */
export interface LocalDatabase {
  name: string;
  config: string;
}
export const UNDERWRITING_DB: LocalDatabase = { name: "openinsure-underwriting", config: "workers/underwriting/wrangler.toml" };
export const PRODUCERS_DB: LocalDatabase = { name: "openinsure-producers", config: "workers/producers/wrangler.toml" };

/**
 * Apply `statements` to a local database under `state` (underwriting's unless `database` says
 * otherwise), `perFile` statements per `wrangler d1 execute --file` (the sandbox must be stopped:
 * the files write its SQLite directly).
 */
export function loadStatements(state: string, statements: Statement[], perFile = 400, log: (s: string) => void = () => {}, database: LocalDatabase = UNDERWRITING_DB): void {
  const dir = join(state, "bench-scale-sql", database.name);
  mkdirSync(dir, { recursive: true });
  for (let from = 0, n = 0; from < statements.length; from += perFile, n++) {
    const file = join(dir, `chunk-${String(n).padStart(4, "0")}.sql`);
    writeFileSync(file, statements.slice(from, from + perFile).map(inline).join("\n"));
    const result = spawnSync(
      "wrangler",
      ["d1", "execute", database.name, "--local", "-c", database.config, "--persist-to", state, "--file", file, "--yes"],
      { cwd: root, env: wranglerEnv(), encoding: "utf8" },
    );
    if (result.status !== 0) throw new Error(`loading ${file} failed:\n${result.stdout}\n${result.stderr}`);
    rmSync(file);
    log(`  ${Math.min(from + perFile, statements.length)}/${statements.length} statements`);
  }
}

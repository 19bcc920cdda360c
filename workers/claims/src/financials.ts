/**
 * A claim's money, pure and in integer cents: outstanding reserves and paid amounts per cost type,
 * and the rules every change obeys (table-tested with the worked numbers).
 *
 * - incurred = paid + outstanding, per cost type and in total, after every operation;
 * - a payment draws its type's outstanding down, never below zero; what exceeds it grows incurred;
 * - indemnity paid never exceeds the policy's per-occurrence limit (`limit_exceeded`);
 * - a change that takes total incurred above {@link APPROVAL_THRESHOLD_CENTS} (an increase ending
 *   above it) needs `claims:approve`; a change that leaves incurred where it was, or lowers it, never does;
 * - a settlement is paid net of the deductible and releases the indemnity reserve left.
 */
import type { ClaimCostType, ReserveChangeSource } from "#contract/types.gen";
import { fail, ok, type AppError, type Result } from "#shared/errors";
import { fromCents } from "#shared/money";

/** 100,000.00: above it, incurred needs `claims:approve`. */
export const APPROVAL_THRESHOLD_CENTS = 100_000_00;

export const APPROVE_SCOPE = "claims:approve";

export const COST_TYPES: readonly ClaimCostType[] = ["indemnity", "expense"];

/** A claim's money state. */
export interface Money {
  indemnityPaid: number;
  indemnityOutstanding: number;
  expensePaid: number;
  expenseOutstanding: number;
}

export const ZERO: Money = { indemnityPaid: 0, indemnityOutstanding: 0, expensePaid: 0, expenseOutstanding: 0 };

export const paidOf = (m: Money, t: ClaimCostType) => (t === "indemnity" ? m.indemnityPaid : m.expensePaid);
export const outstandingOf = (m: Money, t: ClaimCostType) => (t === "indemnity" ? m.indemnityOutstanding : m.expenseOutstanding);
export const incurredOf = (m: Money, t: ClaimCostType) => paidOf(m, t) + outstandingOf(m, t);
export const totalIncurred = (m: Money) => incurredOf(m, "indemnity") + incurredOf(m, "expense");
export const totalOutstanding = (m: Money) => m.indemnityOutstanding + m.expenseOutstanding;
export const totalPaid = (m: Money) => m.indemnityPaid + m.expensePaid;

function withOutstanding(m: Money, t: ClaimCostType, cents: number): Money {
  return t === "indemnity" ? { ...m, indemnityOutstanding: cents } : { ...m, expenseOutstanding: cents };
}

function withPaid(m: Money, t: ClaimCostType, cents: number): Money {
  return t === "indemnity" ? { ...m, indemnityPaid: cents } : { ...m, expensePaid: cents };
}

/** One change of one cost type's outstanding reserve (a reserve transaction to record). */
export interface ReserveMove {
  costType: ClaimCostType;
  previous: number;
  next: number;
  source: ReserveChangeSource;
}

/** A change's result: the money after it and the reserve moves it made, in order. */
export interface MoneyChange {
  money: Money;
  moves: ReserveMove[];
}

/** Who is changing the money: whether they hold `claims:approve`. */
export interface Authority {
  canApprove: boolean;
}

/** The 403 of a change past the approval threshold without the scope (nothing is written). */
function approvalRefusal(before: Money, after: Money): { ok: false; error: AppError } {
  return fail("insufficient_scope", `This change takes the claim's incurred to ${fromCents(totalIncurred(after)).toFixed(2)}, above ${fromCents(APPROVAL_THRESHOLD_CENTS).toFixed(2)}: it needs the scope ${APPROVE_SCOPE}`, {
    requiredScope: APPROVE_SCOPE,
    incurredBefore: fromCents(totalIncurred(before)),
    incurredAfter: fromCents(totalIncurred(after)),
    threshold: fromCents(APPROVAL_THRESHOLD_CENTS),
  });
}

/** True when going from `before` to `after` needs `claims:approve`. */
export function needsApproval(before: Money, after: Money): boolean {
  const next = totalIncurred(after);
  return next > APPROVAL_THRESHOLD_CENTS && next > totalIncurred(before);
}

function approved(before: Money, change: MoneyChange, authority: Authority): Result<MoneyChange> {
  if (needsApproval(before, change.money) && !authority.canApprove) return approvalRefusal(before, change.money);
  return ok(change);
}

/** Set the outstanding reserve of each given cost type (cents, ≥ 0); unchanged types make no move. */
export function setReserves(m: Money, next: Partial<Record<ClaimCostType, number>>, authority: Authority): Result<MoneyChange> {
  let money = m;
  const moves: ReserveMove[] = [];
  for (const t of COST_TYPES) {
    const target = next[t];
    if (target === undefined || target === outstandingOf(m, t)) continue;
    moves.push({ costType: t, previous: outstandingOf(m, t), next: target, source: "reserve" });
    money = withOutstanding(money, t, target);
  }
  return approved(m, { money, moves }, authority);
}

/** The indemnity room left under the limit. */
export const remainingLimit = (m: Money, limitCents: number) => Math.max(limitCents - m.indemnityPaid, 0);

/** The 422 `limit_exceeded` of paying `amount` cents more indemnity past `limitCents`, or null when it fits. */
export function limitRefusal(m: Money, amount: number, limitCents: number): { ok: false; error: AppError } | null {
  if (m.indemnityPaid + amount <= limitCents) return null;
  return fail("limit_exceeded", `Paying ${fromCents(amount).toFixed(2)} would take indemnity paid past the policy's limit of ${fromCents(limitCents).toFixed(2)} (${fromCents(remainingLimit(m, limitCents)).toFixed(2)} remains)`, {
    field: "amount",
    limit: fromCents(limitCents),
    indemnityPaid: fromCents(m.indemnityPaid),
    remaining: fromCents(remainingLimit(m, limitCents)),
  });
}

/**
 * Pay `amount` cents of one cost type. The outstanding reserve is drawn down by at most what it
 * holds (the move's source is `payment`); indemnity is held to `limitCents`.
 */
export function pay(m: Money, costType: ClaimCostType, amount: number, limitCents: number, authority: Authority): Result<MoneyChange> {
  if (costType === "indemnity") {
    const refused = limitRefusal(m, amount, limitCents);
    if (refused) return refused;
  }
  const outstanding = outstandingOf(m, costType);
  const drawn = Math.min(outstanding, amount);
  let money = withPaid(m, costType, paidOf(m, costType) + amount);
  const moves: ReserveMove[] = [];
  if (drawn > 0) {
    money = withOutstanding(money, costType, outstanding - drawn);
    moves.push({ costType, previous: outstanding, next: outstanding - drawn, source: "payment" });
  }
  return approved(m, { money, moves }, authority);
}

/** Release every outstanding reserve of the given types (a denial, a close, what a settlement leaves). */
export function release(m: Money, types: readonly ClaimCostType[], source: ReserveChangeSource): MoneyChange {
  let money = m;
  const moves: ReserveMove[] = [];
  for (const t of types) {
    const outstanding = outstandingOf(m, t);
    if (outstanding === 0) continue;
    moves.push({ costType: t, previous: outstanding, next: 0, source });
    money = withOutstanding(money, t, 0);
  }
  return { money, moves };
}

/** A settlement's net: the amount less the deductible, never below zero. */
export const settlementNet = (amount: number, deductible: number) => Math.max(amount - deductible, 0);

/**
 * Accept a settlement of `amount` with `deductible`: pay the net as indemnity (limit and approval
 * apply), then release the indemnity reserve left. `paid` is the net actually paid (0 when the
 * deductible absorbs it all, and then no payment is made).
 */
export function acceptSettlement(m: Money, amount: number, deductible: number, limitCents: number, authority: Authority): Result<MoneyChange & { paid: number }> {
  const net = settlementNet(amount, deductible);
  let change: MoneyChange = { money: m, moves: [] };
  if (net > 0) {
    const paid = pay(m, "indemnity", net, limitCents, { canApprove: true });
    if (!paid.ok) return paid;
    change = paid.value;
  }
  const released = release(change.money, ["indemnity"], "settlement");
  const result = { money: released.money, moves: [...change.moves, ...released.moves] };
  const checked = approved(m, result, authority);
  if (!checked.ok) return checked;
  return ok({ ...result, paid: net });
}

/** The claim's figures as the API shows them (major units). */
export function figures(m: Money) {
  const of = (t: ClaimCostType) => ({ paid: fromCents(paidOf(m, t)), outstanding: fromCents(outstandingOf(m, t)), incurred: fromCents(incurredOf(m, t)) });
  return {
    currency: "USD" as const,
    indemnity: of("indemnity"),
    expense: of("expense"),
    total: { paid: fromCents(totalPaid(m)), outstanding: fromCents(totalOutstanding(m)), incurred: fromCents(totalIncurred(m)) },
  };
}

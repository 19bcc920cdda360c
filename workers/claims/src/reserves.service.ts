/**
 * Reserves and payments: each reads the claim, decides with the pure rules of financials.ts and
 * commits through mutateClaim (changes.ts), so concurrent changes are judged one after another.
 */
import type { ClaimPaymentResult, CreateClaimPaymentRequest, ReserveChangeResult, SetReservesRequest } from "#contract/types.gen";
import { hasScope, type Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { invalid, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import { fromCents, toCents } from "#shared/money";
import { eventFields, mutateClaim, type ClaimChange, type ClaimsDeps } from "./changes.ts";
import { moneyOf, toClaim, toPayment, toReserveTransaction } from "./claims.repo.ts";
import { APPROVE_SCOPE, outstandingOf, pay, setReserves as decideReserves, totalIncurred, type Authority, type Money } from "./financials.ts";
import { transition } from "./lifecycle.ts";
import type { ClaimRow } from "./schema.ts";

export const authorityOf = (principal: Principal): Authority => ({ canApprove: hasScope(principal.scopes, APPROVE_SCOPE) });

/**
 * An amount in cents of at least `least` (1: above zero; 0: a reserve, where 0 releases it): the
 * contract's bounds, applied again for any RPC caller, whose body the contract never checked.
 */
function centsAtLeast(value: unknown, field: string, least: 0 | 1): Result<number> {
  if (typeof value !== "number") return invalid(field, "number", `${field} must be an amount (a number)`);
  const cents = toCents(value);
  if (cents === null) return invalid(field, "money_precision", `${field} must be an amount with at most two decimals`);
  if (cents < least) return least === 1 ? invalid(field, "money_positive", `${field} must be more than 0`) : invalid(field, "money_negative", `${field} must not be negative`);
  return ok(cents);
}

/** An amount in cents that must be above zero. */
export const positiveCents = (value: unknown, field: string) => centsAtLeast(value, field, 1);

/** The `claim.reserved` event of a change that moved reserves. */
export const reservedEvent = (reason: string) => ({
  type: "claim.reserved",
  data: (after: ClaimRow) => ({
    ...eventFields(after),
    indemnityReserve: fromCents(after.indemnityOutstandingCents),
    expenseReserve: fromCents(after.expenseOutstandingCents),
    incurred: fromCents(totalIncurred(moneyOf(after))),
    reason,
  }),
});

const moneyDetails = (before: Money, after: Money) => ({ incurredBefore: fromCents(totalIncurred(before)), incurredAfter: fromCents(totalIncurred(after)) });

export async function setReserves(deps: ClaimsDeps, principal: Principal, id: string, input: SetReservesRequest): Promise<Result<ReserveChangeResult>> {
  const checked = checkInput(input, clockOf(principal).today(), ["reason"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  if (body.indemnity === undefined && body.expense === undefined) return invalid("indemnity", "required_one_of", "Send indemnity, expense or both: the new outstanding reserves");
  const next: { indemnity?: number; expense?: number } = {};
  for (const t of ["indemnity", "expense"] as const) {
    if (body[t] === undefined) continue;
    const cents = centsAtLeast(body[t], t, 0);
    if (!cents.ok) return cents;
    next[t] = cents.value;
  }
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "reserve");
    if (!status.ok) return status;
    const before = moneyOf(claim);
    const decided = decideReserves(before, next, authorityOf(principal));
    if (!decided.ok) return decided;
    const { money, moves } = decided.value;
    const answer = (after: ClaimRow, reserves: Parameters<typeof toReserveTransaction>[0][]) => ({ claim: toClaim(after), transactions: reserves.map(toReserveTransaction) });
    if (moves.length === 0) return ok({ change: null, answer });
    const change: ClaimChange = {
      status: claim.status,
      money,
      activity: {
        type: "reserves_changed",
        details: { reason: body.reason, ...Object.fromEntries(moves.map((m) => [m.costType, { previous: fromCents(m.previous), new: fromCents(m.next) }])), ...moneyDetails(before, money) },
      },
      moves,
      reason: body.reason,
      events: [reservedEvent(body.reason)],
    };
    return ok({ change, answer });
  });
}

export async function createPayment(deps: ClaimsDeps, principal: Principal, id: string, input: CreateClaimPaymentRequest): Promise<Result<ClaimPaymentResult>> {
  const checked = checkInput(input, clockOf(principal).today(), ["costType", "amount", "payee"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  if (body.costType !== "indemnity" && body.costType !== "expense") return invalid("costType", "enum", "costType must be indemnity or expense");
  const amount = positiveCents(body.amount, "amount");
  if (!amount.ok) return amount;
  const paymentId = newId("cpy");
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "pay");
    if (!status.ok) return status;
    const before = moneyOf(claim);
    const decided = pay(before, body.costType, amount.value, claim.policyLimitCents, authorityOf(principal));
    if (!decided.ok) return decided;
    const { money, moves } = decided.value;
    const payment = { id: paymentId, costType: body.costType, amountCents: amount.value, payee: body.payee, reference: body.reference ?? null, settlementId: null };
    const change: ClaimChange = {
      status: claim.status,
      money,
      activity: {
        type: "payment_issued",
        details: { paymentId, costType: body.costType, amount: fromCents(amount.value), payee: body.payee, outstandingBefore: fromCents(outstandingOf(before, body.costType)), ...moneyDetails(before, money) },
      },
      moves,
      reason: `payment ${paymentId}`,
      payments: [payment],
      events: [paymentEvent(payment)],
    };
    return ok({
      change,
      answer: (after: ClaimRow) => ({ claim: toClaim(after), payment: toPayment({ ...payment, orgId: principal.orgId, claimId: claim.id, actor: principal.actorId, createdAt: after.updatedAt }) }),
    });
  });
}

/** The `claim.payment_issued` event of a payment. */
export const paymentEvent = (p: { id: string; costType: "indemnity" | "expense"; amountCents: number; payee: string; settlementId: string | null }) => ({
  type: "claim.payment_issued",
  data: (after: ClaimRow) => ({
    ...eventFields(after),
    paymentId: p.id,
    costType: p.costType,
    amount: fromCents(p.amountCents),
    payee: p.payee,
    settlementId: p.settlementId,
    incurred: fromCents(totalIncurred(moneyOf(after))),
  }),
});


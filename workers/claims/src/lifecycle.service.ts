/**
 * The status changes of a claim (lifecycle.ts says which are allowed): investigate (and assign an
 * adjuster), offer and accept a settlement, deny, close, reopen. Each commits through mutateClaim
 * with its activity entry, reserve releases and events in the same batch.
 */
import type { Claim, CloseClaimRequest, DenyClaimRequest, InvestigateClaimRequest, ReopenClaimRequest, SettleClaimRequest, SettlementResult } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import { checkInput } from "#shared/input";
import { fromCents } from "#shared/money";
import { eventFields, mutateClaim, type ClaimChange, type ClaimsDeps } from "./changes.ts";
import { deductibleTakenCents, findSettlement, latestSettlementId, moneyOf, toClaim, toSettlement } from "./claims.repo.ts";
import { acceptSettlement as decideAcceptance, limitRefusal, release, settlementNet, totalIncurred, totalOutstanding, totalPaid, COST_TYPES } from "./financials.ts";
import { transition } from "./lifecycle.ts";
import { authorityOf, paymentEvent, positiveCents } from "./reserves.service.ts";
import type { ClaimRow, ClaimSettlementRow } from "./schema.ts";

const claimAnswer = (after: ClaimRow) => toClaim(after);

/** Open → investigating; an adjuster, when named, must be a `claims_adjuster` of the org; `claim.investigation_started`. */
export async function investigateClaim(deps: ClaimsDeps, principal: Principal, id: string, input: InvestigateClaimRequest = {}): Promise<Result<Claim>> {
  const checked = checkInput(input, clockOf(principal).today());
  if (!checked.ok) return checked;
  const body = checked.value ?? {};
  // Judged once the claim is found in the org, so another org's claim is 404 whoever is named; asked once.
  let adjuster: Promise<Result<null>> | undefined;
  const checkAdjuster = async (adjusterId: string): Promise<Result<null>> => {
    const member = await deps.identity.member(principal.orgId, adjusterId);
    if (!member) return fail("business_rule_violation", "adjusterId is not a user of this org", { field: "adjusterId", rule: "org_member" });
    if (member.role !== "claims_adjuster") {
      return fail("business_rule_violation", `adjusterId must be a user with the claims_adjuster role (this one is ${member.role})`, { field: "adjusterId", rule: "claims_adjuster", role: member.role });
    }
    return ok(null);
  };
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "investigate");
    if (!status.ok) return status;
    if (body.adjusterId !== undefined) {
      const judged = await (adjuster ??= checkAdjuster(body.adjusterId));
      if (!judged.ok) return judged;
    }
    const change: ClaimChange = {
      status: status.value,
      money: moneyOf(claim),
      ...(body.adjusterId !== undefined ? { adjusterId: body.adjusterId } : {}),
      activity: { type: "investigation_started", details: { from: claim.status, to: status.value, adjusterId: body.adjusterId ?? claim.adjusterId, notes: body.notes ?? null } },
      moves: [],
      reason: null,
      events: [{ type: "claim.investigation_started", data: (after: ClaimRow) => ({ ...eventFields(after), adjusterId: after.adjusterId }) }],
    };
    return ok({ change, answer: claimAnswer });
  });
}

/**
 * Investigating → in_settlement with an offer; nothing is paid until it is accepted. The offer
 * carries the deductible it applies: the policy's, less what earlier accepted settlements of the
 * claim took of it (a reopened claim is the same occurrence). An offer whose
 * net the remaining limit cannot pay is 422 `limit_exceeded` now, not at acceptance.
 */
export async function settleClaim(deps: ClaimsDeps, principal: Principal, id: string, input: SettleClaimRequest): Promise<Result<SettlementResult>> {
  const checked = checkInput(input, clockOf(principal).today(), ["amount", "payee"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  const amount = positiveCents(body.amount, "amount");
  if (!amount.ok) return amount;
  const settlementId = newId("stl");
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "settle");
    if (!status.ok) return status;
    // Per occurrence: what earlier accepted settlements of this claim took of it is not taken again.
    const deductible = Math.max((claim.deductibleCents ?? 0) - (await deductibleTakenCents(deps.db, principal.orgId, claim.id)), 0);
    const net = settlementNet(amount.value, deductible);
    // An offer the limit cannot pay could never be accepted, and the claim would wait in_settlement on it.
    const overLimit = limitRefusal(moneyOf(claim), net, claim.policyLimitCents);
    if (overLimit) return overLimit;
    const settlement = { id: settlementId, status: "offered" as const, amountCents: amount.value, deductibleCents: deductible, netCents: net, payee: body.payee, notes: body.notes ?? null, paymentId: null, acceptedAt: null };
    const change: ClaimChange = {
      status: status.value,
      money: moneyOf(claim),
      activity: { type: "settlement_offered", details: { from: claim.status, to: status.value, settlementId, amount: fromCents(amount.value), deductible: fromCents(deductible), netAmount: fromCents(settlement.netCents), payee: body.payee } },
      moves: [],
      reason: null,
      newSettlement: settlement,
      events: [],
    };
    return ok({
      change,
      answer: (after: ClaimRow) => ({ claim: toClaim(after), settlement: toSettlement({ ...settlement, orgId: principal.orgId, claimId: claim.id, actor: principal.actorId, createdAt: after.updatedAt }) }),
    });
  });
}

/**
 * In_settlement → settled: the offer's net of the deductible is paid as indemnity (held to the
 * limit and to `claims:approve`), the indemnity reserve left is released, `claim.settled` is emitted.
 * Only the offer on the table (the latest, which put the claim in_settlement) may be accepted: one
 * left `offered` by a denial before a reopen is refused.
 */
export async function acceptSettlement(deps: ClaimsDeps, principal: Principal, id: string, settlementId: string): Promise<Result<SettlementResult>> {
  const paymentId = newId("cpy");
  return mutateClaim(deps, principal, id, async (claim) => {
    const found = await findSettlement(deps.db, principal.orgId, claim.id, settlementId);
    if (!found) return notFound("Settlement");
    if (found.status !== "offered") return fail("invalid_state_transition", `The settlement is already ${found.status}`, { settlementStatus: found.status });
    const status = transition(claim.status, "accept");
    if (!status.ok) return status;
    const current = await latestSettlementId(deps.db, principal.orgId, claim.id);
    if (current !== found.id) {
      return fail("invalid_state_transition", "This offer was made before the claim's current settlement: only the offer on the table can be accepted", {
        settlementId: found.id,
        currentSettlementId: current ?? null,
      });
    }
    const before = moneyOf(claim);
    const decided = decideAcceptance(before, found.amountCents, found.deductibleCents, claim.policyLimitCents, authorityOf(principal));
    if (!decided.ok) return decided;
    const { money, moves, paid } = decided.value;
    const payment = paid > 0 ? { id: paymentId, costType: "indemnity" as const, amountCents: paid, payee: found.payee, reference: null, settlementId: found.id } : null;
    const accepted = (at: string): ClaimSettlementRow => ({ ...found, status: "accepted", paymentId: payment?.id ?? null, acceptedAt: at });
    const change: ClaimChange = {
      status: status.value,
      money,
      activity: {
        type: "settlement_accepted",
        details: { from: claim.status, to: status.value, settlementId: found.id, amount: fromCents(found.amountCents), deductible: fromCents(found.deductibleCents), paid: fromCents(paid), paymentId: payment?.id ?? null, released: fromCents(moves.filter((m) => m.source === "settlement").reduce((s, m) => s + m.previous, 0)) },
      },
      moves,
      reason: `settlement ${found.id}`,
      payments: payment ? [payment] : [],
      acceptedSettlement: { id: found.id, paymentId: payment?.id ?? null },
      events: [
        ...(payment ? [paymentEvent(payment)] : []),
        {
          type: "claim.settled",
          data: (after: ClaimRow) => ({ ...eventFields(after), settlementId: found.id, settlementAmount: fromCents(found.amountCents), deductible: fromCents(found.deductibleCents), netAmount: fromCents(found.netCents) }),
        },
      ],
    };
    return ok({ change, answer: (after: ClaimRow) => ({ claim: toClaim(after), settlement: toSettlement(accepted(after.updatedAt)) }) });
  });
}

/** Open, investigating or in_settlement → denied, every reserve released; `claim.denied`. */
export async function denyClaim(deps: ClaimsDeps, principal: Principal, id: string, input: DenyClaimRequest): Promise<Result<Claim>> {
  const checked = checkInput(input, clockOf(principal).today(), ["reason"]);
  if (!checked.ok) return checked;
  const body = checked.value;
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "deny");
    if (!status.ok) return status;
    const { money, moves } = release(moneyOf(claim), COST_TYPES, "denial");
    const change: ClaimChange = {
      status: status.value,
      money,
      denialReason: body.reason,
      dedupeSlot: null,
      activity: { type: "denied", details: { from: claim.status, to: status.value, reason: body.reason, notes: body.notes ?? null, released: fromCents(totalOutstanding(moneyOf(claim))) } },
      moves,
      reason: body.reason,
      events: [{ type: "claim.denied", data: (after: ClaimRow) => ({ ...eventFields(after), reason: body.reason }) }],
    };
    return ok({ change, answer: claimAnswer });
  });
}

/** Settled or denied → closed; anything outstanding is released, which needs a reason; `claim.closed`. */
export async function closeClaim(deps: ClaimsDeps, principal: Principal, id: string, input: CloseClaimRequest = {}): Promise<Result<Claim>> {
  const checked = checkInput(input, clockOf(principal).today());
  if (!checked.ok) return checked;
  const reason = checked.value?.reason ?? null;
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "close");
    if (!status.ok) return status;
    const before = moneyOf(claim);
    if (totalOutstanding(before) > 0 && reason === null) {
      return invalid("reason", "required", `${fromCents(totalOutstanding(before)).toFixed(2)} is still outstanding: closing releases it, so send a reason`);
    }
    const { money, moves } = release(before, COST_TYPES, "close");
    const change: ClaimChange = {
      status: status.value,
      money,
      dedupeSlot: null,
      activity: { type: "closed", details: { from: claim.status, to: status.value, reason, released: fromCents(totalOutstanding(before)) } },
      moves,
      reason,
      events: [
        { type: "claim.closed", data: (after: ClaimRow) => ({ ...eventFields(after), totalPaid: fromCents(totalPaid(moneyOf(after))), incurred: fromCents(totalIncurred(moneyOf(after))), reason }) },
      ],
    };
    return ok({ change, answer: claimAnswer });
  });
}

/** Closed → investigating; a denial's reason is cleared from the claim (its log keeps it); `claim.reopened`. */
export async function reopenClaim(deps: ClaimsDeps, principal: Principal, id: string, input: ReopenClaimRequest = {}): Promise<Result<Claim>> {
  const checked = checkInput(input, clockOf(principal).today());
  if (!checked.ok) return checked;
  const reason = checked.value?.reason ?? null;
  return mutateClaim(deps, principal, id, async (claim) => {
    const status = transition(claim.status, "reopen");
    if (!status.ok) return status;
    const change: ClaimChange = {
      status: status.value,
      money: moneyOf(claim),
      // A reopened claim is no longer denied; the denial stays in its activity log.
      denialReason: null,
      activity: { type: "reopened", details: { from: claim.status, to: status.value, reason } },
      moves: [],
      reason,
      events: [{ type: "claim.reopened", data: (after: ClaimRow) => ({ ...eventFields(after), reason }) }],
    };
    return ok({ change, answer: claimAnswer });
  });
}


/**
 * The claim lifecycle of DECISIONS.md as data: which statuses each action may start from and where
 * it leads. open → investigating → in_settlement → settled → closed; denied from open, investigating
 * or in_settlement, then closed; a closed claim reopens to investigating. Money moves (reserves,
 * payments) and attachments keep the status. Anything else is `invalid_state_transition`.
 */
import type { ClaimStatus } from "#contract/types.gen";
import { fail, ok, type Result } from "#shared/errors";

export const CLAIM_STATUSES: readonly ClaimStatus[] = ["open", "investigating", "in_settlement", "settled", "denied", "closed"];

export type ClaimAction = "investigate" | "settle" | "accept" | "deny" | "close" | "reopen" | "reserve" | "pay" | "attach";

/** Money may move on a claim until it is denied or closed. */
const MONEY_OPEN: readonly ClaimStatus[] = ["open", "investigating", "in_settlement", "settled"];

export const TRANSITIONS: Record<ClaimAction, { from: readonly ClaimStatus[]; to: ClaimStatus | null }> = {
  investigate: { from: ["open"], to: "investigating" },
  settle: { from: ["investigating"], to: "in_settlement" },
  accept: { from: ["in_settlement"], to: "settled" },
  deny: { from: ["open", "investigating", "in_settlement"], to: "denied" },
  close: { from: ["settled", "denied"], to: "closed" },
  reopen: { from: ["closed"], to: "investigating" },
  reserve: { from: MONEY_OPEN, to: null },
  pay: { from: MONEY_OPEN, to: null },
  attach: { from: CLAIM_STATUSES, to: null },
};

/** Where `action` takes a claim in `status`: the new status, or the 422 naming both. */
export function transition(status: ClaimStatus, action: ClaimAction): Result<ClaimStatus> {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(status)) {
    return fail("invalid_state_transition", `A claim that is ${status} cannot ${action === "attach" ? "take attachments" : action === "pay" ? "be paid on" : action === "reserve" ? "have its reserves changed" : `be ${PAST[action]}`}`, {
      status,
      action,
      allowedFrom: [...rule.from],
    });
  }
  return ok(rule.to ?? status);
}

const PAST: Record<ClaimAction, string> = {
  investigate: "investigated",
  settle: "settled",
  accept: "accepted",
  deny: "denied",
  close: "closed",
  reopen: "reopened",
  reserve: "reserved",
  pay: "paid",
  attach: "attached to",
};

/**
 * The claim lifecycle, every action from every status: the allowed moves land where DECISIONS.md
 * says, and everything else is `invalid_state_transition` naming the status and the action.
 */
import { describe, expect, it } from "vitest";
import type { ClaimStatus } from "#contract/types.gen";
import { CLAIM_STATUSES, transition, type ClaimAction } from "../../workers/claims/src/lifecycle.ts";

/** The whole table: action → status it may start from → where it leads. */
const ALLOWED: Record<ClaimAction, Partial<Record<ClaimStatus, ClaimStatus>>> = {
  investigate: { open: "investigating" },
  settle: { investigating: "in_settlement" },
  accept: { in_settlement: "settled" },
  deny: { open: "denied", investigating: "denied", in_settlement: "denied" },
  close: { settled: "closed", denied: "closed" },
  reopen: { closed: "investigating" },
  reserve: { open: "open", investigating: "investigating", in_settlement: "in_settlement", settled: "settled" },
  pay: { open: "open", investigating: "investigating", in_settlement: "in_settlement", settled: "settled" },
  attach: { open: "open", investigating: "investigating", in_settlement: "in_settlement", settled: "settled", denied: "denied", closed: "closed" },
};

const cases = (Object.keys(ALLOWED) as ClaimAction[]).flatMap((action) => CLAIM_STATUSES.map((status) => [action, status, ALLOWED[action][status] ?? null] as const));

describe("the claim lifecycle", () => {
  it("covers every action from every status", () => {
    expect(cases).toHaveLength(9 * 6);
  });

  it.each(cases)("%s from %s → %s", (action, status, to) => {
    const result = transition(status, action);
    if (to === null) {
      expect(result).toMatchObject({ ok: false, error: { code: "invalid_state_transition", details: { status, action } } });
    } else {
      expect(result).toEqual({ ok: true, value: to });
    }
  });
});

import type { PurgePlan } from "#shared/purge";
import type { UnderwritingEnv } from "./env.ts";

/**
 * Underwriting's share of a workspace purge: every table with the org's `org_id`, each policy's
 * installments (keyed by policy), and each delegated-authority agreement's {@link DaLedger} emptied
 * before its row goes.
 */
export function underwritingPurge(env: Pick<UnderwritingEnv, "DA_LEDGER">): PurgePlan {
  return {
    children: [{ table: "installments", column: "policy_id", parent: "policies" }],
    objects: [
      {
        table: "da_agreements",
        column: "id",
        purge: async (ids) => void (await Promise.all(ids.map((id) => env.DA_LEDGER.getByName(id).purge()))),
      },
    ],
    unowned: { batch_guards: "refuses every row (CHECK (0)); it never holds one" },
  };
}

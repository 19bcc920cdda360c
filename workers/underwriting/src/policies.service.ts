import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Principal } from "#shared/auth";
import { ok, type Result } from "#shared/errors";
import { CURRENCY, fromCents } from "#shared/money";
import { pageSize, toPage, type Page } from "#shared/pagination";
import { listPolicyRows } from "./policies.repo.ts";
import type { PolicyRow } from "./schema.ts";
import type { ListPoliciesQuery, Policy } from "./types.ts";

export async function listPolicies(db: DrizzleD1Database, principal: Principal, query: ListPoliciesQuery): Promise<Result<Page<Policy>>> {
  const rows = await listPolicyRows(db, principal.orgId, query);
  if (!rows.ok) return rows;
  return ok(toPage(rows.value, pageSize(query.limit), toPolicy));
}

export function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    policyNumber: row.policyNumber,
    status: row.status,
    submissionId: row.submissionId,
    insuredName: row.insuredName,
    lineOfBusiness: row.lineOfBusiness,
    state: row.state,
    effectiveDate: row.effectiveDate,
    expirationDate: row.expirationDate,
    grossPremium: fromCents(row.grossPremiumCents),
    currency: CURRENCY,
    installmentPlan: row.installmentPlan,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

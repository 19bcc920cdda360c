/** Reading claims: one claim with its history, and the org's list. */
import type { Claim } from "#contract/types.gen";
import type { Principal } from "#shared/auth";
import { notFound, ok, type Result } from "#shared/errors";
import type { Page } from "#shared/pagination";
import type { ClaimDetailRecord, ListClaimsQuery } from "#shared/rpc";
import type { ClaimsDeps } from "./changes.ts";
import { listClaimRows, loadDetail } from "./claims.repo.ts";

export async function getClaim(deps: ClaimsDeps, principal: Principal, id: string): Promise<Result<ClaimDetailRecord>> {
  const detail = await loadDetail(deps.db, principal.orgId, id);
  return detail ? ok(detail) : notFound("Claim");
}

export function listClaims(deps: ClaimsDeps, principal: Principal, query?: ListClaimsQuery): Promise<Result<Page<Claim>>> {
  return listClaimRows(deps.db, principal.orgId, query);
}

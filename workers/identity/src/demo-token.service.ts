/** `POST /auth/demo`: whoever holds API_SECRET gets a short-lived org_admin JWT for an org (default: the sandbox demo org). */
import { timingSafeEqual } from "#shared/crypto";
import { fail, notFound, ok, type Result } from "#shared/errors";
import { signJwt } from "#shared/jwt";
import type { IdentityDeps } from "./deps.ts";
import { findOrgById, findOrgBySlug } from "./orgs.repo.ts";
import type { TokenResponse } from "./types.ts";

export const DEMO_ORG_SLUG = "demo";
const DEMO_TOKEN_TTL_SECONDS = 15 * 60;

export async function issueDemoToken(deps: IdentityDeps, secret: string, orgId?: string): Promise<Result<TokenResponse>> {
  const expected = deps.env.API_SECRET;
  // An unset secret must never match an empty string.
  if (typeof secret !== "string" || !expected || !timingSafeEqual(secret, expected)) {
    return fail("unauthorized", "Invalid or missing credentials");
  }

  let org;
  if (orgId !== undefined && orgId !== null) {
    org = typeof orgId === "string" ? await findOrgById(deps.db, orgId) : undefined;
    if (!org) return notFound("Org");
  } else {
    org = await findOrgBySlug(deps.db, DEMO_ORG_SLUG);
    if (!org) {
      return fail("not_found", `The sandbox demo org (slug "${DEMO_ORG_SLUG}") does not exist: seed the sandbox first or pass orgId`);
    }
  }

  const { token, expiresAt } = await signJwt(
    { sub: `demo:${org.id}`, orgId: org.id, role: "org_admin", scopes: ["*"], typ: "user", name: `${org.name} demo admin` },
    deps.env.JWT_SECRET,
    DEMO_TOKEN_TTL_SECONDS,
  );
  return ok({ token, tokenType: "Bearer", expiresAt });
}

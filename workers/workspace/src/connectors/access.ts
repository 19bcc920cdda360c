import type { Principal } from "#shared/auth";
import { fail, ok, type Result } from "#shared/errors";

/** Only an org_admin user changes the org's connectors (an API key or the API secret holding `connectors:write` may too). */
export function mayAdminister(principal: Principal, what: string): Result<null> {
  if (principal.kind === "user" && principal.role !== "org_admin") {
    return fail("insufficient_scope", `Only an org_admin manages the org's ${what}`, { requiredRole: "org_admin" });
  }
  return ok(null);
}

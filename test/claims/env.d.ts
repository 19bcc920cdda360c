import type { ClaimPolicyFacts, OrgMember } from "#shared/rpc";

declare global {
  namespace Cloudflare {
    interface Env {
      CLAIMS_DB: D1Database;
      /** The stand-in underwriting (vitest.config.ts): policies registered by the test. */
      UNDERWRITING: Service & { setPolicyForTest(orgId: string, facts: ClaimPolicyFacts): Promise<boolean> };
      /** The stand-in identity: users registered by the test. */
      IDENTITY: Service & { setMemberForTest(member: OrgMember): Promise<boolean> };
    }
  }
}

export {};

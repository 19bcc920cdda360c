import type { UnderwritingInternalRpc } from "#shared/rpc";

/** What the billing tests put into the underwriting stand-in (vitest.config.ts). */
export interface UnderwritingStandIn extends UnderwritingInternalRpc {
  putForTest(put: { facts?: { orgId: string; facts: unknown }[]; events?: unknown[]; down?: boolean }): Promise<boolean>;
}

declare global {
  namespace Cloudflare {
    interface Env {
      BILLING_DB: D1Database;
      ENVIRONMENT: string;
    }
  }
}

export {};

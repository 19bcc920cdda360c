import type { WorkspaceInternalRpc } from "../../workers/_shared/rpc.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      DOCUMENTS_DB: D1Database;
      ENVIRONMENT: string;
      /** The workspace stand-in (vitest.config.ts): admits every byte unless a test set its org a limit. */
      WORKSPACE: Service<WorkspaceInternalRpc>;
      // The worker's R2 bucket is also named DOCUMENTS, which the gateway project's Env types as the
      // documents service binding; the store tests read it through `bucket` (store.test.ts) instead.
    }
  }
}

export {};

import type { DaLedger } from "../../workers/underwriting/src/da-ledger.do.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      UNDERWRITING_DB: D1Database;
      DA_LEDGER: DurableObjectNamespace<DaLedger>;
    }
  }
}

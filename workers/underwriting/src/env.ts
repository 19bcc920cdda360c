import type { DaLedger } from "./da-ledger.do.ts";

export interface UnderwritingEnv {
  UNDERWRITING_DB: D1Database;
  /** One object per delegated-authority agreement: the aggregate written premium against its cap. */
  DA_LEDGER: DurableObjectNamespace<DaLedger>;
  ENVIRONMENT: string;
}

export interface UnderwritingEnv {
  UNDERWRITING_DB: D1Database;
  ENVIRONMENT: string;
}

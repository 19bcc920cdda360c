/**
 * The deployment environment, read the same way by every worker. Production is the default and
 * fails closed: only the exact value `development` (which `.dev.vars` sets for the sandbox) turns on
 * sandbox behaviour, so a missing, misspelt or unexpected `ENVIRONMENT` behaves as production.
 *
 * In development: `oik_test_` keys on the `sandbox` tier, `/v1/sandbox/*` routes, loopback webhook
 * URLs (when `WEBHOOK_ALLOW_LOOPBACK` says so), verification codes readable in the sandbox email log.
 */
export interface EnvironmentVars {
  ENVIRONMENT?: string;
}

export const isDevelopment = (env: EnvironmentVars): boolean => env.ENVIRONMENT === "development";

export const isProduction = (env: EnvironmentVars): boolean => !isDevelopment(env);

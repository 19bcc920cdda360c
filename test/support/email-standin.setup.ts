/**
 * Global setup of the workspace project: the local email-provider stand-in
 * (scripts/lib/email-standin.ts) on a free loopback port, once per project run. Its origin and key
 * are provided as `emailApiBase` and `emailApiKey`, which vitest.config.ts hands the workspace worker
 * as EMAIL_API_BASE_URL and EMAIL_STANDIN_KEY through the plugin's `inject`: the production delivery
 * path's Resend SDK sends there with that key.
 */
import type { TestProject } from "vitest/node";
import { startEmailStandIn } from "../../scripts/lib/email-standin.ts";

declare module "vitest" {
  export interface ProvidedContext {
    emailApiBase: string;
    emailApiKey: string;
  }
}

const API_KEY = "re_standin_tests_0123456789abcdef";

export default async function startStandIn(project: TestProject) {
  const standIn = await startEmailStandIn({ apiKey: API_KEY });
  project.provide("emailApiBase", standIn.url);
  project.provide("emailApiKey", API_KEY);
  return () => standIn.close();
}

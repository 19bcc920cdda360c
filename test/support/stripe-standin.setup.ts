/**
 * Global setup of the projects whose workers call Stripe (billing, gateway, production): the local
 * Stripe stand-in (scripts/lib/stripe-standin.ts) on a free loopback port, once per project run,
 * with the billing worker's test key and webhook secret (its registry `testVars`). Its origin is
 * provided as `stripeApiBase`, which vitest-projects.ts hands the billing worker as STRIPE_API_BASE
 * through the plugin's `inject`; workerd reaches it like any loopback server. It sends no webhooks:
 * the tests read its signed events from `/_standin/events` and post them where they mean to.
 */
import type { TestProject } from "vitest/node";
import { startStripeStandIn } from "../../scripts/lib/stripe-standin.ts";
import { testRegistry } from "../registry/test-registry.ts";

declare module "vitest" {
  export interface ProvidedContext {
    stripeApiBase: string;
  }
}

export default async function startStandIn(project: TestProject) {
  const vars = testRegistry.get("billing").testVars ?? {};
  const standIn = await startStripeStandIn({ secretKey: vars.STRIPE_SECRET_KEY!, webhookSecret: vars.STRIPE_WEBHOOK_SECRET! });
  project.provide("stripeApiBase", standIn.url);
  return () => standIn.close();
}

import { ok } from "#shared/errors";
import { route } from "../http/route.ts";

/** How many recent submissions a simulation judges when the body gives no `limit`. */
const DEFAULT_SIMULATION_POOL = 25;

/**
 * The rule studio: the market worker behind `MARKET`. Where a body names a stored submission
 * (`execute {submissionId}`) or asks for the org's recent ones (`simulate {against}`), the gateway
 * reads their rule facts from underwriting (the owner of submissions, which builds them as quoting
 * does) and hands them over, so the market worker needs no binding of its own to underwriting.
 */
export const ruleRoutes = [
  route("createRule", ({ env, principal, input }) => env.MARKET.createRule(principal, input.body)),
  route("listRules", ({ env, principal, input }) => env.MARKET.listRules(principal, input.query)),
  route("simulateRule", async ({ env, principal, input }) => {
    const body = input.body;
    if (body.against === "recent_submissions" && body.context === undefined) {
      const recent = await env.UNDERWRITING.recentRuleFacts(principal, body.limit ?? DEFAULT_SIMULATION_POOL);
      if (!recent.ok) return recent;
      return env.MARKET.simulateRule(principal, body, recent.value);
    }
    return env.MARKET.simulateRule(principal, body);
  }),
  route("executeRules", async ({ env, principal, input }) => {
    const subject = input.body.submissionId !== undefined && input.body.context === undefined ? await env.UNDERWRITING.ruleFactsOf(principal, input.body.submissionId) : ok(undefined);
    if (!subject.ok) return subject;
    return env.MARKET.executeRules(principal, input.body, subject.value);
  }),
  route("getRule", ({ env, principal, input }) => env.MARKET.getRule(principal, input.path.id)),
  route("updateRule", ({ env, principal, input }) => env.MARKET.updateRule(principal, input.path.id, input.body)),
  route("deleteRule", ({ env, principal, input }) => env.MARKET.deleteRule(principal, input.path.id)),
  route("listRuleVersions", ({ env, principal, input }) => env.MARKET.listRuleVersions(principal, input.path.id, input.query)),
  route("executeRule", async ({ env, principal, input }) => {
    const subject = input.body.submissionId !== undefined && input.body.context === undefined ? await env.UNDERWRITING.ruleFactsOf(principal, input.body.submissionId) : ok(undefined);
    if (!subject.ok) return subject;
    return env.MARKET.executeRule(principal, input.path.id, input.body, subject.value);
  }),
];

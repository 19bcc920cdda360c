import type { ClientSubmissionRequest, ClientSubmissionResult } from "#contract/types.gen";
import { hasScope, type Principal } from "#shared/auth";
import { fail, ok, type Result } from "#shared/errors";
import type { SimilarSubmissionFacts } from "#shared/rpc";
import type { GatewayEnv } from "../env.ts";
import { route } from "../http/route.ts";

/** How many of the org's most recent submissions `similar-businesses` looks among. */
const SIMILAR_POOL = 500;

/** The org's most recent submissions, newest first, as the market worker compares them. */
async function recentSubmissions(env: GatewayEnv, principal: Principal): Promise<Result<SimilarSubmissionFacts[]>> {
  const out: (SimilarSubmissionFacts & { currentQuoteId: string | null })[] = [];
  let cursor: string | undefined;
  while (out.length < SIMILAR_POOL) {
    const page = await env.UNDERWRITING.listSubmissions(principal, { limit: 100, ...(cursor ? { cursor } : {}) });
    if (!page.ok) return page;
    for (const s of page.value.data) {
      out.push({ id: s.id, insuredName: s.insuredName, naicsCode: s.naicsCode, state: s.state, lineOfBusiness: s.lineOfBusiness, annualRevenue: s.annualRevenue, status: s.status, policyId: s.policyId, currentQuoteId: s.currentQuoteId, createdAt: s.createdAt });
    }
    if (!page.value.nextCursor) break;
    cursor = page.value.nextCursor;
  }
  const pool = out.slice(0, SIMILAR_POOL);
  // What each quoted or bound one came to, so the market worker can show it beside the outcome.
  const priced = await env.UNDERWRITING.submissionPremiums(principal, pool.filter((s) => s.policyId || s.currentQuoteId).map((s) => s.id));
  if (!priced.ok) return priced;
  return ok(pool.map(({ currentQuoteId: _, ...s }) => ({ ...s, premium: priced.value[s.id] ?? null })));
}

/**
 * A client turned into a submission: the market worker holds the client and builds the body, then
 * underwriting creates the submission (its own validation, events and triage), then the client is
 * linked. A refused body lets the client go; nothing is half-made. Needs `submissions:write` as well
 * as the operation's `clients:write`.
 */
async function clientSubmission(env: GatewayEnv, principal: Principal, clientId: string, body: ClientSubmissionRequest): Promise<Result<ClientSubmissionResult>> {
  if (!hasScope(principal.scopes, "submissions:write")) {
    return fail("insufficient_scope", "This credential lacks the scope submissions:write", { requiredScope: "submissions:write" });
  }
  const claim = await env.MARKET.claimClientConversion(principal, clientId, body);
  if (!claim.ok) return claim;
  const created = await env.UNDERWRITING.createSubmission(principal, claim.value.submission);
  if (!created.ok) {
    await env.MARKET.releaseClientConversion(principal, clientId, claim.value.token);
    return created;
  }
  const client = await env.MARKET.completeClientConversion(principal, clientId, claim.value.token, created.value.id);
  if (!client.ok) return client;
  return ok({ client: client.value, submission: created.value });
}

/**
 * The market finder: the market worker behind `MARKET`. `classify` is public (limited per IP);
 * `similar-businesses` reads the org's submissions from underwriting here and hands them over, so
 * the market worker needs no binding of its own to underwriting.
 */
export const marketRoutes = [
  route("listCarriers", ({ env, principal, input }) => env.MARKET.listCarriers(principal, input.query)),
  route("createCarrier", ({ env, principal, input }) => env.MARKET.createCarrier(principal, input.body)),
  route("getCarrier", ({ env, principal, input }) => env.MARKET.getCarrier(principal, input.path.id)),
  route("listCarrierProducts", ({ env, principal, input }) => env.MARKET.listProducts(principal, input.query)),
  route("listAppetites", ({ env, principal, input }) => env.MARKET.listAppetites(principal, input.query)),
  route("createAppetite", ({ env, principal, input }) => env.MARKET.createAppetite(principal, input.body)),
  route("searchCarriers", ({ env, principal, input }) => env.MARKET.search(principal, input.body)),
  route("matchCarriersDetailed", ({ env, principal, input }) => env.MARKET.matchDetailed(principal, input.body)),
  route("listJurisdictions", ({ env, principal, input }) => env.MARKET.jurisdictions(principal, input.body)),
  route("listProductLines", ({ env, principal, input }) => env.MARKET.productLines(principal, input.body)),
  route("findSimilarBusinesses", async ({ env, principal, input }) => {
    const submissions = await recentSubmissions(env, principal);
    if (!submissions.ok) return submissions;
    return env.MARKET.similarBusinesses(principal, input.body, submissions.value);
  }),
  route("classifyBusiness", ({ env, input }) => env.MARKET.classify(input.body)),
  route("scanWebsite", ({ env, principal, input }) => env.MARKET.scanWebsite(principal, input.body)),
  // Clients: the org's prospects.
  route("createClient", ({ env, principal, input }) => env.MARKET.createClient(principal, input.body)),
  route("listClients", ({ env, principal, input }) => env.MARKET.listClients(principal, input.query)),
  route("searchClients", ({ env, principal, input }) => env.MARKET.searchClients(principal, input.query)),
  route("checkClientDuplicate", ({ env, principal, input }) => env.MARKET.checkClientDuplicate(principal, input.query)),
  route("acceptClientTerms", ({ env, principal, input }) => env.MARKET.acceptTerms(principal, input.body)),
  route("getClientTermsStatus", ({ env, principal }) => env.MARKET.termsStatus(principal)),
  route("getClient", ({ env, principal, input }) => env.MARKET.getClient(principal, input.path.id)),
  route("updateClient", ({ env, principal, input }) => env.MARKET.updateClient(principal, input.path.id, input.body)),
  route("createClientSubmission", ({ env, principal, input }) => clientSubmission(env, principal, input.path.id, input.body)),
];

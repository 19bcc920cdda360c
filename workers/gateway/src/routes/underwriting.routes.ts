import { zCreateSubmissionRequest } from "#contract/zod.gen";
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { mulDivRound, toCents } from "#shared/money";
import { checkInputRules, cleanInput, inputError } from "#shared/input";
import { route } from "../http/route.ts";
import { toValidationError } from "../http/validation.ts";

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"

/**
 * An ACORD 125 upload: the `file` part (a PDF) and optional JSON `overrides`, held to the same rules
 * as a JSON body (#shared/input, then the contract's strict schema with every field optional).
 */
async function readAcordUpload(form: FormData, today: string): Promise<Result<{ pdf: Uint8Array; overrides: Record<string, unknown> }>> {
  const file = form.get("file");
  if (!(file instanceof File)) return invalid("file", "required", "Missing required field: file (the ACORD 125 PDF)");
  const pdf = new Uint8Array(await file.arrayBuffer());
  if (!PDF_MAGIC.every((b, i) => pdf[i] === b)) return invalid("file", "pdf", "file must be a PDF document");
  const raw = form.get("overrides");
  if (raw === null) return { ok: true, value: { pdf, overrides: {} } };
  if (typeof raw !== "string") return invalid("overrides", "json", "overrides must be a JSON object sent as text");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return invalid("overrides", "json", "overrides is not valid JSON");
  }
  const cleaned = cleanInput(parsed);
  // Override fields are named as in a JSON body (`state`, not `overrides.state`), as the contract's are.
  if (cleaned.issues.length) return { ok: false, error: inputError(cleaned.issues) };
  const checked = zCreateSubmissionRequest.partial().safeParse(cleaned.value ?? {});
  if (!checked.success) return { ok: false, error: toValidationError("body", checked.error, cleaned.value) };
  const issues = checkInputRules(checked.data, today);
  if (issues.length) return { ok: false, error: inputError(issues) };
  return { ok: true, value: { pdf, overrides: checked.data } };
}

/**
 * Incurred over earned premium, both as of `asOf`, to four decimals rounded half-up once, in
 * integer arithmetic on cents; null while nothing is earned (a ratio over zero means nothing).
 */
export function lossRatioOf(incurred: number, earnedPremium: number, asOf: string) {
  const incurredCents = toCents(incurred)!;
  const earnedCents = toCents(earnedPremium)!;
  const value = earnedCents > 0 ? mulDivRound(incurredCents, 10_000, earnedCents) / 10_000 : null;
  return { value, incurred, earnedPremium, asOf };
}

/** Analytics name the org in the path; only the caller's own org exists for it. */
const ownOrg = (principal: Principal, orgId: string) => (orgId === principal.orgId ? null : fail("not_found", "Organization not found"));

/** Submissions, quotes, policies, referrals, delegated authority and analytics: the underwriting worker. */
export const underwritingRoutes = [
  route("createSubmission", {
    handler: async ({ env, principal, input }) => {
      const body = input.body;
      if (!("documentId" in body)) return env.UNDERWRITING.createSubmission(principal, body);
      // An ingested ACORD 125: the documents worker hands over its bytes (another org's is 404, another
      // kind 422), and underwriting reads them through the same intake as the multipart form.
      const source = await env.DOCUMENTS.readAcordSource(principal, body.documentId);
      if (!source.ok) return source;
      return env.UNDERWRITING.createSubmissionFromAcord(principal, source.value.bytes, body.overrides ?? {});
    },
    multipart: async ({ env, principal, form }) => {
      const upload = await readAcordUpload(form, clockOf(principal).today());
      if (!upload.ok) return upload;
      return env.UNDERWRITING.createSubmissionFromAcord(principal, upload.value.pdf, upload.value.overrides);
    },
  }),
  route("listSubmissions", ({ env, principal, input }) => env.UNDERWRITING.listSubmissions(principal, input.query)),
  route("getSubmission", ({ env, principal, input }) => env.UNDERWRITING.getSubmission(principal, input.path.id)),
  route("getQuoteReadiness", ({ env, principal, input }) => env.UNDERWRITING.getQuoteReadiness(principal, input.path.id)),
  route("createQuote", ({ env, principal, input }) => env.UNDERWRITING.createQuote(principal, input.path.id, input.body ?? {})),
  route("bindSubmission", {
    // A real bind creates the policy (201); a preview creates nothing (200); a bind held for a
    // referral (its premium above the org's auto-bind maximum) was accepted, not written (202).
    status: (input, value) => ((value as { status?: string }).status === "referred" ? 202 : input.query.preview === true ? 200 : 201),
    handler: ({ env, principal, input }) => env.UNDERWRITING.bindSubmission(principal, input.path.id, input.body, input.query.preview === true),
  }),
  route("listPolicies", ({ env, principal, input }) => env.UNDERWRITING.listPolicies(principal, input.query)),
  route("getPolicy", ({ env, principal, input }) => env.UNDERWRITING.getPolicy(principal, input.path.id)),
  route("getInsured", ({ env, principal, input }) => env.UNDERWRITING.getInsured(principal, input.path.id)),
  route("updateInsured", ({ env, principal, input }) => env.UNDERWRITING.updateInsured(principal, input.path.id, input.body)),
  route("endorsePolicy", {
    // An endorsement held for a referral (outside delegated authority) was accepted, not applied: 202.
    status: (_input, value) => ((value as { status?: string }).status === "referred" ? 202 : 200),
    handler: ({ env, principal, input }) => env.UNDERWRITING.endorsePolicy(principal, input.path.id, input.body, input.query.preview === true),
  }),
  route("cancelPolicy", ({ env, principal, input }) => env.UNDERWRITING.cancelPolicy(principal, input.path.id, input.body, input.query.preview === true)),
  route("reinstatePolicy", ({ env, principal, input }) => env.UNDERWRITING.reinstatePolicy(principal, input.path.id, input.body ?? {}, input.query.preview === true)),
  route("renewPolicy", ({ env, principal, input }) => env.UNDERWRITING.renewPolicy(principal, input.path.id)),
  route("getPolicyTimeline", ({ env, principal, input }) => env.UNDERWRITING.getPolicyTimeline(principal, input.path.id, input.query)),
  route("listReferrals", ({ env, principal, input }) => env.UNDERWRITING.listReferrals(principal, input.query)),
  route("createReferral", ({ env, principal, input }) => env.UNDERWRITING.createReferral(principal, input.body)),
  route("decideReferral", ({ env, principal, input }) => env.UNDERWRITING.decideReferral(principal, input.path.id, input.body)),
  route("createDaAgreement", ({ env, principal, input }) => env.UNDERWRITING.createDaAgreement(principal, input.body)),
  route("listDaAgreements", ({ env, principal, input }) => env.UNDERWRITING.listDaAgreements(principal, input.query)),
  route("getDaAgreement", ({ env, principal, input }) => env.UNDERWRITING.getDaAgreement(principal, input.path.id)),
  route("getPortfolioAnalytics", async ({ env, principal, input }) => {
    const refused = ownOrg(principal, input.path.orgId);
    if (refused) return refused;
    // Both sides as of the same day: the one asked, else the org's today (underwriting's default too).
    const asOf = input.query.asOf ?? clockOf(principal).today();
    const [premium, claims] = await Promise.all([env.UNDERWRITING.getPortfolio(principal, asOf), env.CLAIMS.lossSummary(principal, asOf)]);
    if (!premium.ok) return premium;
    if (!claims.ok) return claims;
    const { asOf: _asOf, ...claimFigures } = claims.value;
    return ok({ ...premium.value, claims: claimFigures, lossRatio: lossRatioOf(claimFigures.incurred, premium.value.earnedPremium, premium.value.asOf) });
  }),
  route("getDaUtilization", async ({ env, principal, input }) => ownOrg(principal, input.path.orgId) ?? env.UNDERWRITING.getDaUtilization(principal)),
];

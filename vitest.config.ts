import { resolve } from "node:path";
import { defineConfig, defineProject } from "vitest/config";
import { gatewayProject, workerProject } from "./scripts/lib/vitest-projects.ts";
import { testRegistry } from "./test/registry/test-registry.ts";

/**
 * One Vitest project per worker of the registry (workers/registry.ts, plus the test-only fixture
 * worker of test/registry/test-registry.ts), generated: each runs inside workerd against local D1,
 * Durable Objects and Queues with its own wrangler.toml and migrations. The gateway's project runs
 * the whole platform, every other worker behind the generated bindings, and also holds the
 * registry's own runtime tests (test/registry/*.test.ts). `contract` (TypeSpec drift and the
 * registry's static checks, plain Node) and `e2e` (drives the real `npm run dev` stack) are not workers.
 */
export { TEST_SECRETS } from "./scripts/lib/vitest-projects.ts";

const root = resolve(import.meta.dirname);
/** Starts the local Stripe stand-in for a project and provides its origin as `stripeApiBase`. */
const STRIPE_STANDIN_SETUP = "test/support/stripe-standin.setup.ts";
/** Starts the local email-provider stand-in for the workspace project and provides its origin as `emailApiBase`. */
const EMAIL_STANDIN_SETUP = "test/support/email-standin.setup.ts";
const notFound = `return { ok: false, error: { code: "not_found", message: "Deal room not found" } };`;

const workers = await Promise.all(
  testRegistry.workers
    .filter((w) => !w.gateway)
    .map((w) =>
      workerProject(testRegistry, root, w, {
        // Billing's SDK calls the local Stripe stand-in its project's global setup starts.
        // Its delinquency and PDF sweeps run over every org, and their tests assert on the whole pass.
        ...(w.name === "billing" ? { globalSetup: [STRIPE_STANDIN_SETUP], injectVars: { STRIPE_API_BASE: "stripeApiBase" }, isolatePerFile: true } : {}),
        // The email queue's consumer delivers through Resend's SDK, pointed at the local stand-in in its
        // production-path tests, which hand it the stand-in's key (no project holds EMAIL_API_KEY, so
        // the production project's consumer never reaches a real provider).
        ...(w.name === "workspace" ? { globalSetup: [EMAIL_STANDIN_SETUP], injectVars: { EMAIL_API_BASE_URL: "emailApiBase", EMAIL_STANDIN_KEY: "emailApiKey" } } : {}),
        // Referral system messages go to the deal-rooms worker; its own project tests the real one.
        // Deal rooms ask identity whether a socket's API key still works: the stand-in says yes
        // until a test revokes the key id through it (`revokeForTest`). Underwriting asks it for the
        // org's name for policy paper.
        // Underwriting issues policy paper through the documents worker (its own project and the
        // gateway's test the real one): the stand-in keeps one document per org and source key, and a
        // test can make it fail for its org, before storing or after (a lost answer), through
        // `paperFaultForTest(orgId, mode)`; `paperCallsForTest(orgId)` counts what it was asked.
        stubs: {
          "deal-rooms": { getRoom: notFound, postSystemMessage: notFound },
          // Underwriting (at bind), documents (at ingest) and billing read the org's flags through the
          // producers worker (its own project and the gateway's test the real evaluator): the stand-in
          // answers no flag, so #shared/flags reads every catalogue default, unless a test gave the
          // org's evaluated flags through setFlagsForTest(orgId, flags).
          producers: {
            flags: `const f = (globalThis.flags ??= new Map()); return { ok: true, value: f.get(arguments[0]) ?? [] };`,
            setFlagsForTest: `(globalThis.flags ??= new Map()).set(arguments[0], arguments[1]); return true;`,
            // A bind through a producer asks its authority: the stand-in holds every check for any
            // producer id (its own project and the gateway's test the real checks and refusals).
            authorityFor: `const [, producerId, r] = arguments; return { ok: true, value: { producerId, producerName: "Stand-in Producer", state: r.state, lineOfBusiness: r.lineOfBusiness, effectiveDate: r.effectiveDate, authorized: true, checks: ["status", "license", "expiry", "appointment"].map((check) => ({ check, passed: true, message: check + " held" })) } };`,
            // Underwriting's commission feed hands each producer-sold policy's timeline here; the
            // stand-in keeps the latest facts per org and policy (commissionFactsForTest(orgId)).
            recordCommissions: `const c = (globalThis.commissionFacts ??= new Map()); c.set(arguments[0] + "|" + arguments[1].policyId, arguments[1]); return { ok: true, value: { recorded: arguments[1].transactions.length } };`,
            commissionFactsForTest: `return [...(globalThis.commissionFacts ??= new Map())].filter(([k]) => k.startsWith(arguments[0] + "|")).map(([, f]) => f);`,
          },
          // Billing reads policies' money (billingFacts) and the policy events' bodies (readEvents)
          // through underwriting's internal entrypoint: the stand-in answers what a test put through
          // `putForTest({facts?: [{orgId, facts}], events?: [...], down?})`, and nothing by default
          // (the webhooks consumer's readEvents sees no event, as before). Claims reads policies through
          // the same entrypoint (its own project and the gateway's test the real one): a test registers
          // the facts of a policy with setPolicyForTest.
          underwriting: {
            readEvents: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false }); return arguments[0].filter((id) => s.events.has(id)).map((id) => s.events.get(id));`,
            billingFacts: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false });
    if (s.down) throw new Error("underwriting unavailable");
    const f = s.facts.get(arguments[0] + "|" + arguments[1]);
    return f ? { ok: true, value: f } : { ok: false, error: { code: "not_found", message: "Policy not found" } };`,
            putForTest: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false });
    const put = arguments[0];
    for (const e of put.events ?? []) s.events.set(e.id, e);
    for (const f of put.facts ?? []) s.facts.set(f.orgId + "|" + f.facts.policyId, f.facts);
    if (put.down !== undefined) s.down = put.down;
    return true;`,
            policyForClaim: `const p = (globalThis.policies ??= new Map()).get(arguments[0] + "|" + arguments[1]); return p ? { ok: true, value: p } : { ok: false, error: { code: "not_found", message: "Policy not found" } };`,
            setPolicyForTest: `(globalThis.policies ??= new Map()).set(arguments[0] + "|" + arguments[1].policyId, arguments[1]); return true;`,
            earnedPremium: `return { ok: true, value: { asOf: arguments[1], earnedPremium: 0, writtenPremium: 0, policyCount: 0 } };`,
            // Billing's payment receipts go to the policy's linked insured: the stand-in links none, so each
            // receipt is recorded as having no recipient (the gateway's tests send real ones).
            policyInsured: "return null;",
            // Billing's delinquency job: each call is recorded in globalThis.uw.delinquency; `down` makes them throw.
            markPendingCancellation: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false }); const d = (s.delinquency ??= { marks: [], lifts: [], cancels: [] });
    if (s.down) throw new Error("underwriting unavailable");
    const [orgId, policyId, request] = arguments; const f = s.facts.get(orgId + "|" + policyId);
    if (!f) return { ok: false, error: { code: "not_found", message: "Policy not found" } };
    const prior = d.marks.find((m) => m.orgId === orgId && m.policyId === policyId && !m.lifted);
    if (!prior) d.marks.push({ orgId, policyId, request, lifted: false });
    return { ok: true, value: { changed: !prior, policyNumber: f.policyNumber, insuredName: f.insuredName, insuredEmail: "insured@example.com", pendingCancellation: { reason: "non_payment", ...(prior ?? { request }).request } } };`,
            liftPendingCancellation: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false }); const d = (s.delinquency ??= { marks: [], lifts: [], cancels: [] });
    if (s.down) throw new Error("underwriting unavailable");
    const m = d.marks.find((x) => x.orgId === arguments[0] && x.policyId === arguments[1] && !x.lifted); if (m) m.lifted = true; d.lifts.push([arguments[0], arguments[1]]);
    return { ok: true, value: { lifted: !!m, status: "active" } };`,
            cancelForNonPayment: `const s = (globalThis.uw ??= { events: new Map(), facts: new Map(), down: false }); const d = (s.delinquency ??= { marks: [], lifts: [], cancels: [] });
    if (s.down) throw new Error("underwriting unavailable");
    d.cancels.push({ orgId: arguments[0], policyId: arguments[1], request: arguments[2] });
    return { ok: true, value: { transactionId: "txn_" + String(d.cancels.length).padStart(26, "0"), effectiveDate: arguments[2].effectiveDate, returnPremium: 0, asOf: arguments[2].effectiveDate } };`,
            // The partners worker's reads and writes (its own project; the gateway's tests the real ones): a
            // test registers submissions and policies through partnerFactsForTest({submissions?, policies?, down?})
            // and reads the attributions written back with attributionsForTest(orgId).
            submissionReferral: `const s = (globalThis.pf ??= { subs: new Map(), policies: new Map(), written: new Map(), down: false });
    if (s.down) throw new Error("underwriting unavailable");
    const v = s.subs.get(arguments[0] + "|" + arguments[1]);
    return v ? { ok: true, value: v } : { ok: false, error: { code: "not_found", message: "Submission not found" } };`,
            recordAttribution: `const s = (globalThis.pf ??= { subs: new Map(), policies: new Map(), written: new Map(), down: false });
    if (s.down) throw new Error("underwriting unavailable");
    const key = arguments[0] + "|" + arguments[1];
    if (!s.subs.has(key)) return { ok: false, error: { code: "not_found", message: "Submission not found" } };
    s.written.set(key, arguments[2]); return { ok: true, value: { recorded: true } };`,
            partnerPolicyFacts: `const s = (globalThis.pf ??= { subs: new Map(), policies: new Map(), written: new Map(), down: false });
    if (s.down) throw new Error("underwriting unavailable");
    const v = s.policies.get(arguments[0] + "|" + arguments[1]);
    return v ? { ok: true, value: v } : { ok: false, error: { code: "not_found", message: "Policy not found" } };`,
            partnerFactsForTest: `const s = (globalThis.pf ??= { subs: new Map(), policies: new Map(), written: new Map(), down: false });
    const put = arguments[0];
    for (const x of put.submissions ?? []) s.subs.set(x.orgId + "|" + x.submission.submissionId, x.submission);
    for (const x of put.policies ?? []) s.policies.set(x.orgId + "|" + x.facts.policyId, x.facts);
    if (put.down !== undefined) s.down = put.down;
    return true;`,
            attributionsForTest: `const s = (globalThis.pf ??= { subs: new Map(), policies: new Map(), written: new Map(), down: false }); return [...s.written].filter(([k]) => k.startsWith(arguments[0] + "|")).map(([k, v]) => ({ submissionId: k.split("|")[1], attribution: v }));`,
            delinquencyCallsForTest: `const d = ((globalThis.uw ??= { events: new Map(), facts: new Map(), down: false }).delinquency ??= { marks: [], lifts: [], cancels: [] }); return JSON.parse(JSON.stringify({ marks: d.marks.filter((m) => m.orgId === arguments[0]), lifts: d.lifts.filter((l) => l[0] === arguments[0]), cancels: d.cancels.filter((c) => c.orgId === arguments[0]) }));`,
          },
          // Underwriting's quotes and quote-readiness ask market's rule studio for the org's rule decision
          // (its own project and the gateway's test the real rules): the stand-in answers "no rules"
          // unless a test gave the org's decision through setRuleDecisionForTest(orgId, decision), or
          // "down" to make it throw (market unreachable: quoting fails closed). decideRulesCallsForTest(orgId)
          // returns the contexts it was asked about.
          market: {
            decideRules: `const s = (globalThis.ruleStudio ??= { decisions: new Map(), calls: new Map() });
    const [orgId, context] = arguments;
    s.calls.set(orgId, [...(s.calls.get(orgId) ?? []), context]);
    const d = s.decisions.get(orgId);
    if (d === "down") throw new Error("market worker unavailable");
    return { ok: true, value: { decision: d ?? { outcome: "quote", declinedBy: null, referredBy: [], surcharges: [], required: [], evaluated: [] }, evaluations: [] } };`,
            setRuleDecisionForTest: `const s = (globalThis.ruleStudio ??= { decisions: new Map(), calls: new Map() }); s.decisions.set(arguments[0], arguments[1]); return true;`,
            decideRulesCallsForTest: `const s = (globalThis.ruleStudio ??= { decisions: new Map(), calls: new Map() }); return s.calls.get(arguments[0]) ?? [];`,
          },
          // Underwriting meters policies_bound at bind through the workspace worker (its own project and the
          // gateway's test the real UsageMeter): the stand-in admits everything unless a test gave its
          // org a limit through setUsageLimitForTest(orgId, limit); usageForTest(orgId) reads the counts.
          workspace: {
            reserveUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() });
    const [principal, feature, key, quantity = 1] = arguments; const org = principal.orgId; const k = org + "|" + key;
    const used = u.used.get(org) ?? 0;
    if (u.open.has(k) || u.committed.has(k)) return { ok: true, value: { used, limit: u.limits.get(org) ?? null } };
    const limit = u.limits.get(org) ?? null;
    if (limit !== null && used + quantity > limit) return { ok: false, error: { code: "feature_limit_reached", message: "The plan's limit for " + feature + " is reached", details: { feature, limit, used, upgradeUrl: "https://openinsure.dev/pricing" } } };
    u.used.set(org, used + quantity); u.open.set(k, quantity);
    return { ok: true, value: { used: used + quantity, limit } };`,
            checkUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() });
    const [principal, feature, quantity = 1] = arguments; const used = u.used.get(principal.orgId) ?? 0; const limit = u.limits.get(principal.orgId) ?? null;
    if (limit !== null && used + quantity > limit) return { ok: false, error: { code: "feature_limit_reached", message: "The plan's limit for " + feature + " is reached", details: { feature, limit, used, upgradeUrl: "https://openinsure.dev/pricing" } } };
    return { ok: true, value: { used, limit } };`,
            // Documents count a stored document's bytes in one step (admitted and committed), given back if its row fails.
            countUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() });
    const [principal, feature, key, quantity = 1] = arguments; const org = principal.orgId; const k = org + "|" + key;
    const used = u.used.get(org) ?? 0; const limit = u.limits.get(org) ?? null;
    if (u.committed.has(k)) return { ok: true, value: { used, limit } };
    if (limit !== null && used + quantity > limit) return { ok: false, error: { code: "feature_limit_reached", message: "The plan's limit for " + feature + " is reached", details: { feature, limit, used, upgradeUrl: "https://openinsure.dev/pricing" } } };
    u.used.set(org, used + quantity); u.committed.add(k);
    return { ok: true, value: { used: used + quantity, limit } };`,
            commitUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() }); const k = arguments[0] + "|" + arguments[1];
    if (u.open.has(k)) { u.open.delete(k); u.committed.add(k); }`,
            releaseUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() }); const k = arguments[0] + "|" + arguments[1];
    if (u.open.has(k)) { u.used.set(arguments[0], (u.used.get(arguments[0]) ?? 0) - u.open.get(k)); u.open.delete(k); }`,
            // Webhooks returns a deleted endpoint's count, documents a failed store's; once per committed key.
            returnUsage: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() }); const [org, , key, quantity = 1] = arguments; const k = org + "|" + key;
    if (u.committed.has(k)) { u.committed.delete(k); u.used.set(org, (u.used.get(org) ?? 0) - quantity); }
    return { ok: true, value: { used: u.used.get(org) ?? 0 } };`,
            setUsageLimitForTest: `(globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() }).limits.set(arguments[0], arguments[1]); return true;`,
            usageForTest: `const u = (globalThis.usage ??= { limits: new Map(), used: new Map(), open: new Map(), committed: new Set() }); return { used: u.used.get(arguments[0]) ?? 0, open: [...u.open.keys()].filter((k) => k.startsWith(arguments[0] + "|")).length };`,
            // Documents classifies with the org's own LLM key (its own project tests the real call): the stand-in
            // answers not_found (no key) unless a test gave the org's answer through setLlmAnswerForTest(orgId,
            // {provider, model, text}), or "down" to make it throw, or "failing" for the provider's error;
            // llmCallsForTest(orgId) returns the requests it was asked.
            completeWithOrgLlm: `const s = (globalThis.orgLlm ??= { answers: new Map(), calls: new Map() });
    const [orgId, request] = arguments;
    s.calls.set(orgId, [...(s.calls.get(orgId) ?? []), request]);
    const a = s.answers.get(orgId);
    if (a === undefined) return { ok: false, error: { code: "not_found", message: "LLM key not found" } };
    if (a === "down") throw new Error("workspace worker unavailable");
    if (a === "failing") return { ok: false, error: { code: "internal_error", message: "The org's openai key failed: Incorrect API key provided", details: { provider: "openai", httpStatus: 401 } } };
    return { ok: true, value: a };`,
            setLlmAnswerForTest: `(globalThis.orgLlm ??= { answers: new Map(), calls: new Map() }).answers.set(arguments[0], arguments[1]); return true;`,
            llmCallsForTest: `return (globalThis.orgLlm ??= { answers: new Map(), calls: new Map() }).calls.get(arguments[0]) ?? [];`,
          },
          identity: {
            apiKeyStatus: `const revoked = (globalThis.revokedKeys ??= new Set()); return revoked.has(arguments[1]) ? { active: false, expiresAt: null } : { active: true, expiresAt: null };`,
            revokeForTest: `(globalThis.revokedKeys ??= new Set()).add(arguments[0]); return true;`,
            orgName: `return "Stand-in Agency";`,
            // The workspace worker counts seats as the org's users (its own entitlement tests see none).
            memberCount: `return (globalThis.memberCounts ??= new Map()).get(arguments[0]) ?? 0;`,
            // Claims asks whether an adjuster is a claims_adjuster of the org; a test registers users through setMemberForTest.
            member: `const m = (globalThis.members ??= new Map()); return m.get(arguments[0] + "|" + arguments[1]) ?? null;`,
            setMemberForTest: `const m = (globalThis.members ??= new Map()); m.set(arguments[0].orgId + "|" + arguments[0].id, arguments[0]); return true;`,
            // Billing queues its delinquency notices here; a test reads them back with emailsForTest(orgId).
            queueEmail: `const e = (globalThis.emails ??= []); const r = arguments[0]; const row = { id: "eml_" + String(e.length + 1).padStart(26, "0"), to: r.to, subject: r.subject, body: r.body, kind: r.kind, orgId: r.orgId, createdAt: new Date().toISOString() }; e.push(row); return { ok: true, value: { id: row.id, to: row.to, kind: row.kind, createdAt: row.createdAt } };`,
            emailsForTest: `return (globalThis.emails ??= []).filter((e) => e.orgId === arguments[0]);`,
            // The producers cron reads each org's sandbox clock; a test sets one through setClockOffsetForTest.
            clockOffsetOf: `return (globalThis.clockOffsets ??= new Map()).get(arguments[0]) ?? 0;`,
            setClockOffsetForTest: `(globalThis.clockOffsets ??= new Map()).set(arguments[0], arguments[1]); return true;`,
          },
          documents: {
            // The webhooks consumer reads the documents outbox's events through the same entrypoint.
            readEvents: "return [];",
            issuePolicyDocument: `const s = (globalThis.paper ??= { docs: new Map(), faults: new Map(), calls: new Map(), n: 0 });
    const [orgId, request] = arguments;
    s.calls.set(orgId, (s.calls.get(orgId) ?? 0) + 1);
    const fault = s.faults.get(orgId);
    if (fault === "down") throw new Error("documents worker unavailable");
    const key = orgId + "|" + request.sourceKey;
    let doc = s.docs.get(key);
    if (!doc) {
      doc = { id: "doc_" + String(++s.n).padStart(26, "0"), kind: request.kind, filename: request.filename, contentType: "application/pdf", size: 1, sha256: "0".repeat(64), policyId: request.policyId, submissionId: null, claimId: null, invoiceId: null, createdAt: new Date().toISOString() };
      s.docs.set(key, doc);
    }
    if (fault === "lose_answer") throw new Error("connection lost after the document was stored");
    return { ok: true, value: doc };`,
            // Billing's invoice PDFs: the same store and faults as policy paper (one document per org and source key).
            issueInvoiceDocument: `const s = (globalThis.paper ??= { docs: new Map(), faults: new Map(), calls: new Map(), n: 0 });
    const [orgId, request] = arguments;
    s.calls.set(orgId, (s.calls.get(orgId) ?? 0) + 1);
    const fault = s.faults.get(orgId);
    if (fault === "down") throw new Error("documents worker unavailable");
    const key = orgId + "|" + request.sourceKey;
    let doc = s.docs.get(key);
    if (!doc) {
      doc = { id: "doc_" + String(++s.n).padStart(26, "0"), kind: "invoice", filename: request.filename, contentType: "application/pdf", size: 1, sha256: "0".repeat(64), policyId: request.policyId, submissionId: null, claimId: null, invoiceId: request.invoiceId, data: request.data, createdAt: new Date().toISOString() };
      s.docs.set(key, doc);
    }
    if (fault === "lose_answer") throw new Error("connection lost after the document was stored");
    return { ok: true, value: doc };`,
            paperFaultForTest: `const s = (globalThis.paper ??= { docs: new Map(), faults: new Map(), calls: new Map(), n: 0 }); s.faults.set(arguments[0], arguments[1]); return true;`,
            paperCallsForTest: `const s = (globalThis.paper ??= { docs: new Map(), faults: new Map(), calls: new Map(), n: 0 }); return { calls: s.calls.get(arguments[0]) ?? 0, documents: [...s.docs].filter(([k]) => k.startsWith(arguments[0] + "|")).map(([, d]) => d) };`,
          },
        },
      }),
    ),
);

export default defineConfig({
  test: {
    // Two files at a time even on a 2-core machine (Vitest's default there is one): most of a platform
    // test's time is spent waiting (queues' batch timeouts, Durable Object round trips), not computing.
    maxWorkers: 2,
    projects: [
      ...workers,
      await gatewayProject(testRegistry, root, {
        name: "gateway",
        include: ["test/gateway/**/*.test.ts", "test/registry/*.test.ts"],
        globalSetup: ["test/gateway/global-setup.ts", STRIPE_STANDIN_SETUP],
        // Loopback receivers let the gateway tests deliver to a local endpoint.
        vars: { webhooks: { WEBHOOK_ALLOW_LOOPBACK: "true" } },
        injectVars: { billing: { STRIPE_API_BASE: "stripeApiBase" } },
      }),
      // The same platform booted with production's ENVIRONMENT, as every wrangler.toml ships it.
      await gatewayProject(testRegistry, root, {
        name: "production",
        include: ["test/production/**/*.test.ts"],
        globalSetup: ["test/gateway/global-setup.ts", STRIPE_STANDIN_SETUP],
        environment: "production",
        injectVars: { billing: { STRIPE_API_BASE: "stripeApiBase" } },
        // Production must ignore it: the test proves loopback URLs are refused anyway.
        vars: { webhooks: { WEBHOOK_ALLOW_LOOPBACK: "true" } },
      }),
      defineProject({
        test: { name: "contract", include: ["test/contract/**/*.test.ts"], environment: "node", testTimeout: 120_000 },
      }),
      defineProject({
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // After every other project, so the started stack has the machine to itself.
          sequence: { groupOrder: 1 },
        },
      }),
    ],
  },
});

/**
 * Hostile bodies against every write route of the contract (issue 10 §2). The routes come from
 * typespec/generated/operations.ts, so a route added to the contract is attacked without a line here:
 * it starts from an empty body unless `VALID` below gives it a better one.
 *
 * For every generated body the gateway must answer below 500, in the error envelope when it refuses,
 * and a `validation_failed` must name a field. A body that breaks a rule for certain (an unknown field,
 * a control or bidi character, a lone surrogate) must be refused naming that field. A body that is
 * accepted must be stored as sent (strings trimmed, blank ones missing): the answer, and the resource
 * read back where the contract has a `GET <path>/:id`, carry the same values.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { operations, type OperationId } from "#contract/operations";
import { testDay } from "../support/clock.ts";
import { call, createTenant, json, quickstartSubmission, type Tenant } from "./harness.ts";
import { bindFor, signIn, uniqueEmail } from "./portal-harness.ts";

/** A policyholder token of a fresh insured of `tenant`. */
async function insuredOf(tenant: Tenant): Promise<string> {
  const email = uniqueEmail();
  await bindFor(tenant, email);
  return (await signIn(email)).token;
}

/** Runs per route: enough for every kind of mutation to come up, small enough for a loaded 2-core machine. */
const RUNS = 12;

/**
 * Operations whose body the gateway does not validate as JSON: Stripe's webhook is checked against its
 * `Stripe-Signature` over the exact bytes before anything in it is read (test/gateway/stripe-payments.test.ts
 * and the billing project cover its refusals), so a mutated body is refused for its signature, not a field.
 */
const RAW_BODY_OPERATIONS = new Set<OperationId>(["receiveStripeWebhook"]);

const writes = (Object.entries(operations) as [OperationId, (typeof operations)[OperationId]][]).filter(([id, op]) => op.method !== "get" && !RAW_BODY_OPERATIONS.has(id));

/** Well-formed ids of nothing: the path passes its schema, so the body is what gets judged. */
const FAKE_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA";
const fakeId = (name: string, op: OperationId) => {
  const prefix: Record<string, string> = { deliveryId: "whd" };
  const byOp: Partial<Record<OperationId, string>> = {
    revokeApiKey: "key", rotateApiKey: "key", postDealRoomMessage: "room", cancelPolicy: "pol", endorsePolicy: "pol", reinstatePolicy: "pol", renewPolicy: "pol",
    decideReferral: "ref", bindSubmission: "sub", createQuote: "sub", updateWebhook: "whk", deleteWebhook: "whk", retryWebhookDelivery: "whk", rotateWebhookSecret: "whk", testWebhook: "whk",
  };
  return `${prefix[name] ?? byOp[op] ?? "x"}_${FAKE_ID}`;
};

/** A body each route accepts on its own (ids of nothing answer 404 after validation, which is fine). */
const VALID: Partial<Record<OperationId, (t: Tenant) => Record<string, unknown>>> = {
  registerPortalPushToken: () => ({ platform: "android", token: "fcm-device-token-0001" }),
  // A rule's condition is JsonLogic (any JSON the rule studio then judges): its own refusals name their path.
  createRule: () => ({ name: "Large Oregon risks", condition: { ">": [{ var: "submission.annualRevenue" }, 5_000_000] }, action: { type: "surcharge", factor: 1.25, reason: "loss trend" }, priority: 10 }),
  updatePortalProfile: () => ({ phone: "+1 503 555 0100", mailingAddress: { line1: "400 SW Oak St", city: "Portland", state: "OR", postalCode: "97204" } }),
  createSubmission: () => ({
    ...quickstartSubmission(),
    deductible: 2500.5,
    insuredEmail: "risk@example.com",
    yearsInBusiness: 12,
    priorLosses: [{ year: 2024, amount: 1234.56, description: "water damage" }],
    notes: "first line\nsecond line",
  }),
  createQuote: () => ({}),
  bindSubmission: () => ({ installmentPlan: "QUARTERLY" }),
  endorsePolicy: () => ({ effectiveDate: testDay(30), changes: { deductible: 5000, insuredName: "Renamed LLC" }, description: "raise deductible" }),
  cancelPolicy: () => ({ effectiveDate: testDay(10), method: "pro_rata", reason: "insured_request", notes: "asked by phone" }),
  reinstatePolicy: () => ({ notes: "paid" }),
  createReferral: () => ({ submissionId: `sub_${FAKE_ID}`, reason: "large limit" }),
  decideReferral: () => ({ decision: "approve", notes: "fine" }),
  createDaAgreement: () => ({ carrier: "Carrier Co", program: "Contractors", maxLimitPerRisk: 2000000, states: ["OR", "WA"], naicsPrefixes: ["23"], aggregateCap: 5000000.25 }),
  createDealRoom: () => ({ name: "Deal on Pacific Coast", participants: ["usr_someone"] }),
  generateCertificate: () => ({
    policyId: `pol_${FAKE_ID}`,
    holder: { name: "Harbor View Properties LLC", address: { line1: "100 Main St", line2: "Suite 4", city: "Portland", state: "OR", postalCode: "97204-1234" } },
    descriptionOfOperations: "Tenant improvements\nat 100 Main St",
    additionalInsured: true,
    waiverOfSubrogation: false,
  }),
  postDealRoomMessage: () => ({ body: "hello" }),
  createOrg: () => ({ name: "Hostile Org" }),
  updateOrg: () => ({ name: "Renamed Org" }),
  createApiKey: () => ({ name: "reporting", preset: "read_only", rateLimitTier: "sandbox" }),
  rotateApiKey: () => ({ gracePeriodHours: 2 }),
  createWebhook: () => ({ url: "https://hooks.example.com/openinsure", events: ["policy.*"], description: "ops" }),
  updateWebhook: () => ({ description: "ops team" }),
  setSandboxClock: () => ({ advanceDays: 1 }),
  acceptPartnerInvitation: () => ({ token: "an-invitation-token-nobody-was-sent", password: "correct horse battery", name: "Pat Doe" }),
  issuePartnerToken: () => ({ email: "nobody@partner.example", password: "not the password" }),
  createDemoToken: (t) => ({ secret: env.API_SECRET, orgId: t.orgId }),
  login: () => ({ email: "nobody@example.com", password: "not the password" }),
  signup: () => ({ email: `p${crypto.randomUUID().slice(0, 8)}@example.com`, password: "correct horse battery", name: "Pat Doe" }),
  verifyEmail: () => ({ email: "nobody@example.com", code: "123456" }),
  resendVerificationCode: () => ({ email: "nobody@example.com" }),
  // metadata is free-form by contract (Record<unknown>), so it is left out: unknown keys inside it are its point.
  recordUsage: () => ({ feature: "api_calls", quantity: 2 }),
  createWorkspace: () => ({ name: `Hostile Workspace ${crypto.randomUUID().slice(0, 8)}`, plan: "pro", settings: { timezone: "Europe/London", locale: "en-GB" } }),
  updateWorkspace: () => ({ name: "Renamed Workspace", settings: { timezone: "America/New_York" } }),
  inviteMember: () => ({ email: `h${crypto.randomUUID().slice(0, 8)}@example.com`, role: "viewer" }),
  updateMember: () => ({ role: "viewer" }),
  acceptInvitation: () => ({ token: "not-the-token", password: "correct horse battery" }),
  // Connectors: the runs share one tenant, so a second key for the provider is 409 (below 500, in the envelope).
  createLlmKey: () => ({ provider: "openai", apiKey: "sk-hostile-0123456789abcd", model: "gpt-4o-mini" }),
  createEmailTemplate: () => ({ name: `t_${crypto.randomUUID().slice(0, 8)}`, subject: "Hello {{name}}", body: "Dear {{name}},\nwelcome." }),
  // variables is a free-form map of a template's placeholders (Record<string>), so it is left out: any key is its point.
  sendEmail: () => ({ to: "hostile@example.com", subject: "Hello", body: "Body text" }),
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path of `value` whose leaf satisfies `leaf`, and every object's path (for unknown keys). */
function paths(value: Json, leaf: (v: Json) => boolean, at: Path = []): { leaves: Path[]; objects: Path[] } {
  const out = { leaves: [] as Path[], objects: [] as Path[] };
  if (Array.isArray(value)) value.forEach((v, i) => merge(out, paths(v, leaf, [...at, i])));
  else if (value !== null && typeof value === "object") {
    out.objects.push(at);
    for (const [k, v] of Object.entries(value)) merge(out, paths(v, leaf, [...at, k]));
  } else if (leaf(value)) out.leaves.push(at);
  return out;
}
const merge = (a: { leaves: Path[]; objects: Path[] }, b: { leaves: Path[]; objects: Path[] }) => {
  a.leaves.push(...b.leaves);
  a.objects.push(...b.objects);
};

function setAt(root: Json, path: Path, value: Json): Json {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1]!] = value;
  return copy as Json;
}

/** Strings no field may store, whatever the field. */
const forbidden = fc.constantFrom("a\u0000b", "\u0000", "x\u202Ey", "\u202Dname", "iso\u2066late", "bell\u0007", "c1\u0085", "del\u007F", "half\uD800", "\uDC00tail");
/** Values a field may meet from a hostile client: wrong types, extremes, near misses. */
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>("   ", "", " padded ", "x".repeat(10_001), "2999-01-01", "1900-01-01", "2026-02-30", 1e13, 10_000_000_000_000, 1.005, 0.1 + 0.2, -1, 0, 1e9, 1e9 + 0.01, 2 ** 53, -0, "1000", true, null, [], {}),
  fc.string({ maxLength: 40, unit: "grapheme" }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const unknownKey = fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/).map((k) => `zz${k}`);
/** An unknown field's value that is not blank (a blank value is missing, so nothing would be lost). */
const presentValue = anyValue.filter((v) => !(typeof v === "string" && v.trim() === ""));

type Mutation =
  | { kind: "unknown"; at: number; key: string; value: Json }
  | { kind: "forbidden"; at: number; value: string }
  | { kind: "replace"; at: number; value: Json }
  | { kind: "drop"; at: number }
  | { kind: "body"; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("unknown" as const), at: fc.nat(), key: unknownKey, value: presentValue }),
  fc.record({ kind: fc.constant("forbidden" as const), at: fc.nat(), value: forbidden }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), value: anyValue }),
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("body" as const), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }),
);

/** The body a mutation makes of `base`, and the field it must be refused for (when it must be). */
function apply(base: Json, m: Mutation, hasBodySchema: boolean): { body: Json; mustRefuse?: string } {
  const { leaves, objects } = paths(base, () => true);
  const strings = paths(base, (v) => typeof v === "string").leaves;
  switch (m.kind) {
    case "unknown": {
      const at = objects[m.at % Math.max(objects.length, 1)] ?? [];
      const target = at.length === 0 && (base === null || typeof base !== "object") ? {} : base;
      const body = setAt(target, [...at, m.key], m.value);
      // A route that takes no body refuses one as `body`, whatever is inside it (an array holding a
      // blank string, say, which every body with a schema would be refused for by name).
      return { body, mustRefuse: hasBodySchema ? [...at, m.key].join(".") : "body" };
    }
    case "forbidden": {
      // No string to spoil: an extra field carries it, refused by name for its character (or, on a
      // route that takes no body, as `body`).
      if (strings.length === 0) return { body: { [`zz${m.at % 97}`]: m.value }, mustRefuse: hasBodySchema ? `zz${m.at % 97}` : "body" };
      const at = strings[m.at % strings.length]!;
      return { body: setAt(base, at, m.value), mustRefuse: at.join(".") };
    }
    case "replace": {
      if (leaves.length === 0) return { body: m.value };
      return { body: setAt(base, leaves[m.at % leaves.length]!, m.value) };
    }
    case "drop": {
      if (leaves.length === 0) return { body: base };
      const at = leaves[m.at % leaves.length]!;
      const body = structuredClone(base) as Record<string | number, Json>;
      let node = body;
      for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, Json>;
      delete node[at[at.length - 1]!];
      return { body: body as Json };
    }
    case "body":
      return { body: m.value };
  }
}

const SECRET_FIELDS = new Set(["secret", "password", "orgId"]);

/** What a stored value must equal: the sent one, trimmed (emails compare case-insensitively, URLs as parsed). */
function expectStored(sent: Json, stored: unknown, path: string) {
  if (typeof sent === "string") {
    const trimmed = sent.trim();
    if (trimmed === "" || typeof stored !== "string") return;
    if (/email$/i.test(path)) expect(stored, path).toBe(trimmed.toLowerCase());
    else if (/(^|\.)url$/.test(path)) expect(stored, path).toBe(new URL(trimmed).href);
    else expect(stored, path).toBe(trimmed);
  } else if (typeof sent === "number" || typeof sent === "boolean") {
    if (stored !== undefined && stored !== null && typeof stored !== "object") expect(stored, path).toBe(sent);
  } else if (Array.isArray(sent)) {
    if (Array.isArray(stored) && stored.length === sent.length) sent.forEach((v, i) => expectStored(v, stored[i], `${path}.${i}`));
  } else if (sent !== null && typeof sent === "object" && stored !== null && typeof stored === "object" && !Array.isArray(stored)) {
    for (const [k, v] of Object.entries(sent)) {
      if (!SECRET_FIELDS.has(k) && k in stored) expectStored(v, (stored as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    }
  }
}

const readBackPath = (path: string) => (Object.values(operations) as { method: string; path: string }[]).find((op) => op.method === "get" && op.path === `${path}/:id`);

describe("hostile bodies on every write route", () => {
  it("covers every write route of the contract", () => {
    expect(writes.length).toBeGreaterThan(20);
    for (const [id] of writes) expect(operations[id].method).not.toBe("get");
  });

  for (const [id, op] of writes) {
    it(`${op.method.toUpperCase()} ${op.path} (${id}) refuses what it must, answers below 500, and stores what it accepts as sent`, async () => {
      const tenant = await createTenant();
      const hasBodySchema = "body" in op.schemas;
      const path = op.path.replace(/:(\w+)/g, (_, name: string) => (id === "updateOrg" && name === "id" ? tenant.orgId : fakeId(name, id)));
      // A portal write takes only a policyholder token: an insured of the tenant signs in for it.
      const insuredToken = op.auth.kind === "insured" ? await insuredOf(tenant) : undefined;
      const auth: { token?: string; apiKey?: string; headers: Record<string, string> } = insuredToken
        ? { token: insuredToken, headers: {} }
        : op.auth.kind !== "credential" ? { headers: {} } : op.auth.systemOnly ? { token: env.API_SECRET, headers: { "x-org-id": tenant.orgId } } : { apiKey: tenant.apiKey, headers: {} };
      await fc.assert(
        fc.asyncProperty(mutation, fc.ipV4(), async (m, ip) => {
          const base = (VALID[id]?.(tenant) ?? {}) as Json;
          const { body, mustRefuse } = apply(base, m, hasBodySchema);
          // Each request from its own client IP, so the per-IP limits of the /auth flows never answer instead.
          const res = await call(op.method.toUpperCase(), path, { ...auth, headers: { ...auth.headers, "cf-connecting-ip": ip }, body });
          const text = await res.text();
          expect(res.status, text).toBeLessThan(500);
          // A limit per org (the team's 10 invitations an hour) answers before the body is read, and the
          // property's runs share one tenant: past it nothing is judged or stored, so there is nothing to check.
          if (res.status === 429 && (op as { rateLimit?: { per: string } | null }).rateLimit?.per === "org") return;
          if (res.status >= 400) {
            const err = JSON.parse(text) as { error: string; message: string; requestId: string; details?: { field?: string; issues?: { field: string }[] } };
            expect(typeof err.error, text).toBe("string");
            expect(typeof err.message, text).toBe("string");
            expect(err.requestId, text).toMatch(/^req_/);
            if (err.error === "validation_failed") expect(err.details?.field, text).toEqual(expect.any(String));
          }
          if (mustRefuse) {
            expect(res.status, text).toBe(400);
            const err = JSON.parse(text) as { error: string; details: { field: string; issues?: { field: string }[] } };
            expect(err.error, text).toBe("validation_failed");
            // The field itself, or a value inside it (an unknown field holding a control character).
            const named = [err.details.field, ...(err.details.issues ?? []).map((i) => i.field)];
            const refusedFor = (name: string) => named.some((f) => f === name || f.startsWith(`${name}.`));
            expect(refusedFor(mustRefuse), text).toBe(true);
          }
          if (res.status < 300 && text) {
            const answer = JSON.parse(text) as Record<string, unknown>;
            expectStored(body, answer, "");
            const get = readBackPath(op.path);
            if (get && typeof answer.id === "string") {
              // The API secret reads an org it just created by acting in it.
              const reader = id === "createOrg" ? { ...auth, headers: { "x-org-id": answer.id } } : auth;
              const back = await call("GET", `${path}/${answer.id}`, reader);
              expect(back.status).toBe(200);
              expectStored(body, await json(back), "");
            }
          }
        }),
        // Besides the random runs, every route always meets a misspelt field and a NUL.
        { numRuns: RUNS, examples: [[{ kind: "unknown", at: 0, key: "zzdeductable", value: 2500 }, "192.0.2.1"], [{ kind: "unknown", at: 0, key: "zzaaA", value: [""] }, "192.0.2.4"], [{ kind: "forbidden", at: 0, value: "a\u0000b" }, "192.0.2.2"], [{ kind: "forbidden", at: 1, value: "x\u202Ey" }, "192.0.2.3"]] },
      );
    });
  }
});

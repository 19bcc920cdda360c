/**
 * The platform's workers, declared once. `npm run dev` (which configs to start, which databases to
 * migrate, where `.dev.vars` goes), the Vitest projects, the bindings in every `wrangler.toml`
 * (`npm run gen:bindings`, drift-checked by `npm test`), the event relay's source lookup and
 * `npm run deploy` (callees before callers) all read this list. Adding a domain worker is its
 * folder (`workers/<name>/wrangler.toml` + `src/`), its migrations (`migrations/<name>/`), its
 * TypeSpec folder and one entry here (its RPC types go in workers/_shared/rpc.ts).
 *
 * Pure data and pure functions: read by Node scripts and by the Vitest config, never bundled.
 */
import { bindingOf, EVENTS_QUEUE_BINDING, WORKER_NAME } from "./_shared/names.ts";

export { bindingOf };

/** A service binding a worker holds, to one entrypoint of another worker. */
export interface ServiceCall {
  /** The callee's registry name. */
  worker: string;
  /** Which of the callee's entrypoints; the gateway may only ever be bound to `public`. */
  entrypoint: "public" | "internal";
  /** Why the caller needs it (a comment above the generated binding). */
  purpose: string;
}

export interface QueueProducer {
  binding: string;
  queue: string;
  purpose: string;
}

export interface QueueConsumer {
  queue: string;
  maxBatchSize: number;
  /** Seconds. */
  maxBatchTimeout: number;
  maxRetries?: number;
  deadLetterQueue?: string;
}

/**
 * A consumer of the domain events other than the webhooks worker. A Cloudflare queue has exactly one
 * consumer worker, so it reads a queue of its own, which the outbox relay of each of its `sources`
 * also sends every event to (the producer bindings are generated; the relay finds them by name).
 */
export interface EventSubscription {
  /** Its queue; the binding ends in `_EVENTS` (`EVENTS_QUEUE_BINDING`). It must also be in its `queues.consume`. */
  queue: { binding: string; queue: string };
  /** The emitting workers whose events it reads (bound at their internal entrypoints, for `readEvents`). */
  sources: string[];
}

/** One worker, as declared. Paths are relative to the repository root. */
export interface WorkerEntry {
  /** kebab-case: the folder `workers/<name>`, `migrations/<name>`, `test/<name>`, and the `source` of its events. */
  name: string;
  /** One line: what the worker is for. */
  purpose: string;
  /** The public edge: bound to every other worker's public entrypoint; its config is the root `wrangler.toml`. */
  gateway?: boolean;
  /** Its folder (wrangler.toml and src/). Default `workers/<name>`. */
  dir?: string;
  /** Its wrangler config. Default `<dir>/wrangler.toml`, or `wrangler.toml` for the gateway. */
  config?: string;
  /** The entrypoint classes its index exports: `public` for the gateway, `internal` for named sibling workers. */
  entrypoints?: { public?: string; internal?: string };
  /** Its own D1 database. `migrations` defaults to `migrations/<name>`. */
  d1?: { binding: string; database: string; id: string; migrations?: string };
  durableObjects?: { binding: string; className: string; purpose: string }[];
  /** R2 buckets it owns (only the owner reads or writes one; others go through its RPC). */
  r2?: { binding: string; bucket: string; purpose: string }[];
  queues?: { produce?: QueueProducer[]; consume?: QueueConsumer[] };
  /** The other workers it may call, and at which entrypoint. */
  calls?: ServiceCall[];
  /**
   * It records events in its D1 outbox (workers/_shared/outbox.ts). It then produces to the events
   * queue, its `internal` entrypoint implements `readEvents`, and the events consumer is bound to it.
   */
  emitsEvents?: boolean;
  /**
   * It consumes the domain events. `true`: the shared events queue, bound to the `internal`
   * entrypoint of every worker that emits events (the webhooks worker, the one such consumer). An
   * {@link EventSubscription}: its own queue, fed by the relays of the sources it names.
   */
  consumesEvents?: boolean | EventSubscription;
  crons?: { schedule: string; purpose: string }[];
  /**
   * Bindings only the deployed worker holds, never `npm run dev` or the tests: those with no local
   * simulation (Workers AI), which the multi-config `wrangler dev` would serve through a remote
   * session that needs a Cloudflare login, so the offline sandbox would not start. `npm run deploy`
   * writes them into the config it deploys (scripts/lib/deploy.ts); the worker's code treats them as optional.
   */
  deployOnly?: { ai?: { binding: string; purpose: string } };
  /** Vars its tests need beyond the shared test secrets (never production values). */
  testVars?: Record<string, string>;
  /** Its Vitest project's test folder. Default `test/<name>`. */
  tests?: string;
}

/** An entry with every default applied. */
export interface Worker extends WorkerEntry {
  dir: string;
  config: string;
  /** The deployed script name: `openinsure-<name>`. */
  script: string;
  /** The binding callers hold to it: SCREAMING_SNAKE of the name. */
  binding: string;
  entrypoints: { public?: string; internal?: string };
  d1?: { binding: string; database: string; id: string; migrations: string };
  tests: string;
}

/** The queue every outbox relay sends to and the events consumer reads. */
export const EVENTS_QUEUE = { binding: "WEBHOOK_EVENTS", queue: "openinsure-webhook-events" } as const;

/** The production platform, in the order `wrangler dev` and the Vitest projects list them. */
export const WORKERS: readonly WorkerEntry[] = [
  {
    name: "gateway",
    purpose: "the only public HTTP surface: authenticates, rate-limits, enforces idempotency, validates against the contract, calls the domain workers",
    gateway: true,
    dir: "workers/gateway",
    durableObjects: [
      { binding: "RATE_LIMITER", className: "RateLimiter", purpose: "rate-limit counters and API-key admission, one object per credential / IP / key" },
      { binding: "IDEMPOTENCY", className: "IdempotencyStore", purpose: "Idempotency-Key records, one object per org + credential + key" },
    ],
    crons: [{ schedule: "17 3 * * *", purpose: "the daily purge: the data of every workspace deleted more than 30 days ago, from every worker (workers/gateway/src/purge.ts)" }],
    // api_calls in batches of 5, each full batch flushed before its request answers, so a test reads exact counts.
    testVars: { API_CALLS_BATCH: "5", API_CALLS_FLUSH_INLINE: "true" },
    queues: { produce: [{ binding: "PARTNER_CLICKS", queue: "openinsure-partner-clicks", purpose: "an admitted click on a referral link (GET /r/{code}), built by the partners worker, queued after the redirect answered; the partners worker consumes it (by click id, once)" }] },
  },
  {
    name: "identity",
    purpose: "orgs, users, API keys, sessions and JWT issuance",
    entrypoints: { public: "IdentityService", internal: "IdentityInternal" },
    d1: { binding: "IDENTITY_DB", database: "openinsure-identity", id: "identity-db" },
    queues: { produce: [{ binding: "EMAIL_QUEUE", queue: "openinsure-emails", purpose: "every outbox email, to the workspace worker: the org's email connector log and the provider (#shared/email-queue)" }] },
    crons: [{ schedule: "* * * * *", purpose: "the email sweep: hands the email queue any outbox email a prompt send missed" }],
  },
  {
    name: "underwriting",
    purpose: "submissions, quotes, policies and their transactions, referrals, delegated authority, analytics",
    entrypoints: { public: "UnderwritingService", internal: "UnderwritingInternal" },
    d1: { binding: "UNDERWRITING_DB", database: "openinsure-underwriting", id: "underwriting-db" },
    durableObjects: [{ binding: "DA_LEDGER", className: "DaLedger", purpose: "one object per delegated-authority agreement: its aggregate written premium against the cap" }],
    calls: [
      { worker: "deal-rooms", entrypoint: "internal", purpose: "a referral's room must be the org's, and its notices are posted there as system messages" },
      { worker: "documents", entrypoint: "internal", purpose: "issuePolicyDocument: the declarations page and MCS-90 of each bind and endorsement, once per source key" },
      { worker: "identity", entrypoint: "internal", purpose: "orgName: the org is the producer named on the policy paper" },
      { worker: "producers", entrypoint: "internal", purpose: "authorityFor: a submission's producer must be active, licensed and appointed for its state and line on the effective date to bind; flags: the org's feature flags (underwriting.auto_bind_max_premium at bind)" },
      { worker: "market", entrypoint: "internal", purpose: "decideRules: the org's enabled underwriting rules (the rule studio) judge every quote; unreachable, quoting fails closed with 503 rules_unavailable" },
      { worker: "workspace", entrypoint: "internal", purpose: "reserveUsage, commitUsage, releaseUsage: each bind counts policies_bound against the org's plan, reserved before the batch and released if it does not commit" },
    ],
    emitsEvents: true,
    crons: [{ schedule: "* * * * *", purpose: "the outbox sweep: relays events a prompt relay missed" }],
  },
  {
    name: "webhooks",
    purpose: "endpoints, the org's event log, signed at-least-once delivery with retries",
    entrypoints: { public: "WebhooksService" },
    d1: { binding: "WEBHOOKS_DB", database: "openinsure-webhooks", id: "webhooks-db" },
    queues: {
      produce: [
        { binding: "WEBHOOK_EVENTS", queue: "openinsure-webhook-events", purpose: "fan-out: one {kind: \"delivery\"} message per new delivery" },
        { binding: "WEBHOOK_DLQ", queue: "openinsure-webhook-dlq", purpose: "deliveries whose last attempt failed" },
      ],
      consume: [
        { queue: "openinsure-webhook-events", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "openinsure-webhook-dlq" },
        { queue: "openinsure-webhook-dlq", maxBatchSize: 10, maxBatchTimeout: 1 },
      ],
    },
    consumesEvents: true,
    calls: [
      { worker: "workspace", entrypoint: "internal", purpose: "reserveUsage, commitUsage, releaseUsage, returnUsage: each live endpoint counts webhook_endpoints against the org's plan, reserved before the insert and returned at delete" },
    ],
    crons: [{ schedule: "15 4 * * *", purpose: "the daily usage reconcile: each org's webhook_endpoints set from its live endpoints (beginUsageReconcile, finishUsageReconcile)" }],
    testVars: {
      // Base64 of bytes 0..31: seals signing secrets in tests only. A short retry schedule.
      WEBHOOK_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      WEBHOOK_RETRY_SCHEDULE: "1,2,4",
      WEBHOOK_TIMEOUT_MS: "15000",
      WEBHOOK_ALLOW_LOOPBACK: "false",
    },
  },
  {
    name: "deal-rooms",
    purpose: "rooms where the parties of a deal talk live: one Durable Object per room (its sockets and messages) and a D1 directory of rooms per org",
    entrypoints: { public: "DealRoomsService", internal: "DealRoomsInternal" },
    d1: { binding: "DEAL_ROOMS_DB", database: "openinsure-deal-rooms", id: "deal-rooms-db" },
    durableObjects: [{ binding: "DEAL_ROOM", className: "DealRoom", purpose: "one object per room, named by its room_ id: its sockets and messages" }],
    calls: [{ worker: "identity", entrypoint: "internal", purpose: "apiKeyStatus: a socket opened with an API key closes once the key is revoked" }],
  },
  {
    name: "documents",
    purpose: "every stored file: metadata and SHA-256 in its D1, the bytes in the R2 bucket it alone owns, type checked by content",
    entrypoints: { public: "DocumentsService", internal: "DocumentsInternal" },
    d1: { binding: "DOCUMENTS_DB", database: "openinsure-documents", id: "documents-db" },
    r2: [{ binding: "DOCUMENTS", bucket: "openinsure-documents", purpose: "the documents' bytes, under orgs/{orgId}/documents/{docId}; never overwritten" }],
    deployOnly: { ai: { binding: "AI", purpose: "Workers AI: classifies ingested files behind the flag documents.ai_classification (the committed model otherwise)" } },
    calls: [
      { worker: "producers", entrypoint: "internal", purpose: "flags: the org's feature flags (documents.ai_classification, documents.ai_model) at ingest" },
      { worker: "workspace", entrypoint: "internal", purpose: "countUsage, returnUsage: each stored document's bytes count document_storage_bytes against the org's plan, counted in one step once the size is known and given back if the object or row is not written; beginUsageReconcile, finishUsageReconcile: the daily reconcile from the documents' sizes" },
    ],
    emitsEvents: true,
    crons: [{ schedule: "* * * * *", purpose: "the outbox sweep (relays events a prompt relay missed) and the orphan sweep (objects a crashed store left without a row)" }],
  },
  {
    name: "claims",
    purpose: "claims from first notice of loss to close: coverage on the loss date, reserves and payments per cost type, settlements, the activity log",
    entrypoints: { public: "ClaimsService", internal: "ClaimsInternal" },
    d1: { binding: "CLAIMS_DB", database: "openinsure-claims", id: "claims-db" },
    calls: [
      { worker: "underwriting", entrypoint: "internal", purpose: "policyForClaim: the term, timeline, limit and deductible a loss is judged against" },
      { worker: "identity", entrypoint: "internal", purpose: "member: an assigned adjuster must be a claims_adjuster of the org" },
    ],
    emitsEvents: true,
    crons: [{ schedule: "* * * * *", purpose: "the outbox sweep: relays events a prompt relay missed" }],
  },
  {
    name: "billing",
    purpose: "invoices that follow each policy's money: installments, additional and return premium, manual payments, voids and refunds",
    entrypoints: { public: "BillingService", internal: "BillingInternal" },
    d1: { binding: "BILLING_DB", database: "openinsure-billing", id: "billing-db" },
    queues: {
      produce: [{ binding: "BILLING_REQUEUE", queue: "openinsure-billing-events", purpose: "a dead-lettered policy event, put back an hour later" }],
      consume: [
        { queue: "openinsure-billing-events", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "openinsure-billing-dlq" },
        { queue: "openinsure-billing-dlq", maxBatchSize: 10, maxBatchTimeout: 1 },
      ],
    },
    calls: [
      { worker: "underwriting", entrypoint: "internal", purpose: "billingFacts: a policy's installments, taxes, fees and premium deltas, which its invoices follow; readEvents: the policy events' bodies" },
      { worker: "producers", entrypoint: "internal", purpose: "flags: the org's feature flags (billing.autopay_retry)" },
      { worker: "documents", entrypoint: "internal", purpose: "issueInvoiceDocument: each invoice's PDF, once per invoice" },
      { worker: "identity", entrypoint: "internal", purpose: "queueEmail: the delinquency notice to the insured; orgName: the issuer printed on invoice PDFs" },
    ],
    // Its own copy of underwriting's events: the webhooks worker is the shared queue's one consumer.
    consumesEvents: { queue: { binding: "BILLING_EVENTS", queue: "openinsure-billing-events" }, sources: ["underwriting"] },
    emitsEvents: true,
    crons: [{ schedule: "* * * * *", purpose: "the outbox sweep: relays events a prompt relay missed; the card-refund sweep and the automatic payment retry; the invoice-PDF sweep; the delinquency pass (its daily work once per UTC day, the lift check every minute)" }],
    testVars: {
      // The local Stripe stand-in's key and webhook secret (test/support/stripe-standin.setup.ts), and a
      // short timeout so a hanging stand-in is an outage within the test.
      STRIPE_SECRET_KEY: "sk_test_standin_tests_0123456789abcdef",
      STRIPE_WEBHOOK_SECRET: "whsec_standin_tests_0123456789abcdef",
      STRIPE_TIMEOUT_MS: "1500",
    },
  },
  {
    name: "producers",
    purpose: "producers with their NPN, state licenses and commission rates, their carrier appointments, and distribution authority for a bind",
    entrypoints: { public: "ProducersService", internal: "ProducersInternal" },
    d1: { binding: "PRODUCERS_DB", database: "openinsure-producers", id: "producers-db" },
    durableObjects: [{ binding: "FLAG_STORE", className: "FlagStore", purpose: "one object per org: its feature-flag overrides, the one cache of flag values, written through to D1" }],
    calls: [{ worker: "identity", entrypoint: "internal", purpose: "member: a user linked to a producer must be the org's, with the producer role; clockOffsetOf: license expiry on an org's sandbox clock" }],
    // producer.license_expiring. Commissions arrive from underwriting's feed (it calls ProducersInternal),
    // not from a subscription: reading underwriting's events would bind producers to underwriting, a cycle.
    emitsEvents: true,
    crons: [{ schedule: "0 * * * *", purpose: "producer.license_expiring once per license expiring within 30 days, then the outbox sweep" }],
  },
  {
    name: "portal",
    purpose: "the policyholder portal: one-time-code sign-in for insureds, their own policies, and the profile changes they make",
    entrypoints: { public: "PortalService" },
    d1: { binding: "PORTAL_DB", database: "openinsure-portal", id: "portal-db" },
    calls: [
      { worker: "underwriting", entrypoint: "internal", purpose: "insuredsByEmail, insuredOf, insuredPolicies, insuredPolicy: who signs in, and the policies linked to them" },
      { worker: "identity", entrypoint: "internal", purpose: "queueEmail: sign-in codes through the platform's email outbox; orgBySlug, orgSummary: the org a code is for" },
      { worker: "billing", entrypoint: "internal", purpose: "invoicesOfPolicies: the invoices of the insured's policies, and the next payment due" },
      { worker: "claims", entrypoint: "internal", purpose: "openClaimCount: the insured's open claims, on the home screen" },
      { worker: "producers", entrypoint: "internal", purpose: "flags: portal.enabled, whether the org's insureds may sign in and use the portal" },
      { worker: "documents", entrypoint: "internal", purpose: "issueCertificateOnce: the insured's own certificate of insurance, once per policy version" },
    ],
    queues: { consume: [{ queue: "openinsure-portal-events", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10 }] },
    // Its own copy of billing's and claims' events (payment failed, claim status changed): notifications to insureds.
    consumesEvents: { queue: { binding: "PORTAL_EVENTS", queue: "openinsure-portal-events" }, sources: ["billing", "claims"] },
    crons: [{ schedule: "0 * * * *", purpose: "the payment-due pass: each open invoice due within 3 days of its org's today notifies its insured, once" }],
  },
  {
    name: "market",
    purpose: "the market finder and rule studio: carriers, products and appetites (reference data plus the org's own), NAICS classification, carrier matching, prospects (clients) and underwriting rules",
    entrypoints: { public: "MarketService", internal: "MarketInternal" },
    d1: { binding: "MARKET_DB", database: "openinsure-market", id: "market-db" },
  },
  {
    name: "workspace",
    purpose: "the org as a workspace: its plan and settings, the committed plan table, and metered usage counted exactly per org",
    entrypoints: { public: "WorkspaceService", internal: "WorkspaceInternal" },
    d1: { binding: "WORKSPACE_DB", database: "openinsure-workspace", id: "workspace-db" },
    durableObjects: [{ binding: "USAGE_METER", className: "UsageMeter", purpose: "one object per org: its metered usage (policies bound, API calls) checked against the plan and counted in one step" }],
    calls: [{ worker: "identity", entrypoint: "internal", purpose: "the team: members (list, role, removal with their sessions and keys), the account an accepted invitation creates within the plan's seats, the invitation email through queueEmail" }],
    testVars: {
      // Base64 of bytes 0..31: seals the org's LLM keys in tests only.
      CONNECTOR_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    },
    queues: {
      consume: [
        { queue: "openinsure-emails", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 8, deadLetterQueue: "openinsure-emails-dlq" },
        { queue: "openinsure-emails-dlq", maxBatchSize: 10, maxBatchTimeout: 1 },
      ],
    },
  },
  {
    name: "partners",
    purpose: "referral partners, their codes and the public click router, attribution events (last touch within 90 days) and the commissions attributed policies earn them",
    entrypoints: { public: "PartnersService" },
    d1: { binding: "PARTNERS_DB", database: "openinsure-partners", id: "partners-db" },
    durableObjects: [{ binding: "REFERRAL_LINKS", className: "ReferralLink", purpose: "one object per referral code: its row held in memory for the click router, forgotten when the partner is revoked" }],
    queues: {
      produce: [{ binding: "PARTNER_CLICKS", queue: "openinsure-partner-clicks", purpose: "one message per click on a referral link, recorded after the redirect answered (by click id, once)" }],
      consume: [
        { queue: "openinsure-partners-events", maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "openinsure-partners-dlq" },
        { queue: "openinsure-partner-clicks", maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "openinsure-partners-dlq" },
      ],
    },
    calls: [
      { worker: "identity", entrypoint: "internal", purpose: "queueEmail: a partner's invitation to their own login, through the platform's email outbox" },
      { worker: "underwriting", entrypoint: "internal", purpose: "submissionReferral, recordAttribution: a submission's referral code and the attribution written back; partnerPolicyFacts: an attributed policy's timeline; readEvents: the policy and submission events' bodies" },
    ],
    // Underwriting's events (submission.created, policy.bound, .endorsed, .cancelled, .reinstated) on its
    // own queue. Underwriting never calls partners, so the binding back to it forms no cycle.
    consumesEvents: { queue: { binding: "PARTNERS_EVENTS", queue: "openinsure-partners-events" }, sources: ["underwriting"] },
    crons: [{ schedule: "* * * * *", purpose: "the attribution sweep: writes to underwriting the attributions a failed call left unrecorded" }],
  },
];

/** A worker's own events subscription, or null (none, or the webhooks worker's shared queue). */
function subscriptionOf(worker: WorkerEntry): EventSubscription | null {
  return typeof worker.consumesEvents === "object" ? worker.consumesEvents : null;
}

/** Every default applied. */
export function resolve(entry: WorkerEntry): Worker {
  const dir = entry.dir ?? `workers/${entry.name}`;
  return {
    ...entry,
    dir,
    config: entry.config ?? (entry.gateway ? "wrangler.toml" : `${dir}/wrangler.toml`),
    script: `openinsure-${entry.name}`,
    binding: bindingOf(entry.name),
    entrypoints: entry.entrypoints ?? {},
    ...(entry.d1 ? { d1: { ...entry.d1, migrations: entry.d1.migrations ?? `migrations/${entry.name}` } } : {}),
    tests: entry.tests ?? `test/${entry.name}`,
  } as Worker;
}

/** A service binding as it is generated: binding name, callee script and entrypoint class. */
export interface ServiceBinding {
  binding: string;
  worker: string;
  service: string;
  entrypoint: string;
  purpose: string;
}

/**
 * A set of workers and everything derived from it. Production uses {@link registry}(); a test
 * extends the list with a fixture entry and gets the same derivations.
 */
export class Registry {
  readonly workers: readonly Worker[];

  constructor(entries: readonly WorkerEntry[]) {
    this.workers = entries.map(resolve);
    const problems = this.problems();
    if (problems.length) throw new Error(`workers/registry.ts:\n- ${problems.join("\n- ")}`);
  }

  /** A new registry with more entries (a test's fixture worker). */
  with(...entries: WorkerEntry[]): Registry {
    return new Registry([...this.workers, ...entries]);
  }

  get(name: string): Worker {
    const w = this.workers.find((x) => x.name === name);
    if (!w) throw new Error(`no worker named ${name} in the registry`);
    return w;
  }

  get gateway(): Worker {
    return this.workers.find((w) => w.gateway)!;
  }

  /** The service bindings a worker holds, generated: the gateway's, its own calls, and the events consumer's. */
  services(worker: Worker): ServiceBinding[] {
    const out: ServiceBinding[] = [];
    const add = (callee: Worker, kind: "public" | "internal", purpose: string, binding = callee.binding) =>
      out.push({ binding, worker: callee.name, service: callee.script, entrypoint: callee.entrypoints[kind]!, purpose });
    if (worker.gateway) {
      for (const w of this.workers) if (!w.gateway && w.entrypoints.public) add(w, "public", `${w.name}: ${w.purpose}`);
    }
    for (const call of worker.calls ?? []) add(this.get(call.worker), call.entrypoint, call.purpose);
    for (const w of this.sourcesOf(worker)) {
      // A consumer that also calls the source's internal entrypoint holds that one binding for both.
      if (w === worker || out.some((s) => s.binding === bindingOf(w.name) && s.entrypoint === w.entrypoints.internal)) continue;
      add(w, "internal", `readEvents: the bodies of ${w.name}'s events, by id (its outbox)`, bindingOf(w.name));
    }
    return out;
  }

  /**
   * The queues a worker produces to: its own, and when it emits events the shared events queue and
   * the queue of every other consumer that names it as a source.
   */
  producers(worker: Worker): QueueProducer[] {
    const own = worker.queues?.produce ?? [];
    if (!worker.emitsEvents) return own;
    const shared = own.some((p) => p.binding === EVENTS_QUEUE.binding) ? [] : [{ ...EVENTS_QUEUE, purpose: "the outbox relay's thin {kind: \"event\"} messages" }];
    const subscribed = this.workers.flatMap((w) => {
      const sub = subscriptionOf(w);
      return sub && w !== worker && sub.sources.includes(worker.name)
        ? [{ ...sub.queue, purpose: `the outbox relay's thin {kind: "event"} messages, for ${w.name}` }]
        : [];
    });
    return [...own, ...shared, ...subscribed];
  }

  /** The emitting workers whose events `worker` reads: all of them for the webhooks worker, its sources for a subscription. */
  sourcesOf(worker: Worker): Worker[] {
    if (!worker.consumesEvents) return [];
    const sub = subscriptionOf(worker);
    return this.workers.filter((w) => w.emitsEvents && (!sub || sub.sources.includes(w.name)));
  }

  /** Workers that record events: the sources the events consumer reads from. */
  get eventSources(): Worker[] {
    return this.workers.filter((w) => w.emitsEvents);
  }

  /** Callees before callers: the order `npm run deploy` deploys in (registry order among equals). */
  deployOrder(): Worker[] {
    const done = new Set<string>();
    const order: Worker[] = [];
    while (order.length < this.workers.length) {
      const next = this.workers.find((w) => !done.has(w.name) && this.services(w).every((s) => done.has(s.worker) || s.worker === w.name));
      if (!next) throw new Error("the service bindings form a cycle; no worker can deploy first");
      done.add(next.name);
      order.push(next);
    }
    return order;
  }

  /** What is wrong with the declarations (empty when nothing is). */
  problems(): string[] {
    const p: string[] = [];
    const names = new Set<string>();
    const gateways = this.workers.filter((w) => w.gateway);
    if (gateways.length !== 1) p.push(`exactly one worker must be the gateway (found ${gateways.length})`);
    for (const w of this.workers) {
      if (!WORKER_NAME.test(w.name)) p.push(`${w.name}: names are kebab-case`);
      if (names.has(w.name)) p.push(`${w.name}: declared twice`);
      names.add(w.name);
      if (!w.gateway && !w.entrypoints.public && !w.entrypoints.internal) p.push(`${w.name}: declares no entrypoint`);
      if (w.emitsEvents && !w.entrypoints.internal) p.push(`${w.name}: emits events, so its internal entrypoint must serve readEvents`);
      if (w.emitsEvents && !w.d1) p.push(`${w.name}: emits events, so it needs a D1 database for its outbox`);
      for (const c of w.calls ?? []) {
        const callee = this.workers.find((x) => x.name === c.worker);
        if (!callee) p.push(`${w.name}: calls ${c.worker}, which is not declared`);
        else if (!callee.entrypoints[c.entrypoint]) p.push(`${w.name}: calls ${c.worker}'s ${c.entrypoint} entrypoint, which it does not declare`);
        if (w.gateway && c.entrypoint !== "public") p.push(`${w.name}: the gateway may only be bound to public entrypoints`);
      }
    }
    if (this.workers.some((w) => w.emitsEvents) && this.workers.filter((w) => w.consumesEvents === true).length !== 1) {
      p.push("workers emit events, so exactly one worker must consume them from the shared events queue");
    }
    const subscribedQueues = new Set<string>([EVENTS_QUEUE.queue]);
    for (const w of this.workers) {
      const sub = subscriptionOf(w);
      if (!sub) continue;
      if (!EVENTS_QUEUE_BINDING.test(sub.queue.binding) || sub.queue.binding === EVENTS_QUEUE.binding) {
        p.push(`${w.name}: its events queue binding must be its own <NAME>_EVENTS (got ${sub.queue.binding})`);
      }
      if (subscribedQueues.has(sub.queue.queue)) p.push(`${w.name}: the events queue ${sub.queue.queue} already has a consumer (a queue has exactly one)`);
      subscribedQueues.add(sub.queue.queue);
      if (!(w.queues?.consume ?? []).some((c) => c.queue === sub.queue.queue)) p.push(`${w.name}: consumes events from ${sub.queue.queue}, so it must list it in queues.consume`);
      for (const source of sub.sources) {
        const emitter = this.workers.find((x) => x.name === source);
        if (!emitter?.emitsEvents) p.push(`${w.name}: reads the events of ${source}, which does not emit events`);
      }
    }
    if (p.length) return p;
    for (const w of this.workers) {
      const bindings = [
        ...this.services(w).map((s) => s.binding),
        ...(w.d1 ? [w.d1.binding] : []),
        ...(w.durableObjects ?? []).map((d) => d.binding),
        ...(w.r2 ?? []).map((b) => b.binding),
        ...this.producers(w).map((q) => q.binding),
        ...(w.deployOnly?.ai ? [w.deployOnly.ai.binding] : []),
      ];
      const dup = bindings.find((b, i) => bindings.indexOf(b) !== i);
      if (dup) p.push(`${w.name}: binding ${dup} is generated twice`);
    }
    return p;
  }
}

/** The production registry. */
export const registry = (): Registry => new Registry(WORKERS);

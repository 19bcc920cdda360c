import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, defineProject } from "vitest/config";

/**
 * One Vitest project per worker (each runs inside workerd against local D1 / Durable Objects),
 * plus `contract` (TypeSpec drift, plain Node) and `e2e` (drives the real `npm run dev` stack).
 */

/** Secrets every worker sees in tests; never used outside them. */
export const TEST_SECRETS = {
  API_SECRET: "test-api-secret-0123456789abcdef0123456789abcdef",
  JWT_SECRET: "test-jwt-secret-0123456789abcdef0123456789abcdef",
  ENVIRONMENT: "development",
};

const identityMigrations = await readD1Migrations("migrations/identity");
const underwritingMigrations = await readD1Migrations("migrations/underwriting");
const webhooksMigrations = await readD1Migrations("migrations/webhooks");
const dealRoomsMigrations = await readD1Migrations("migrations/deal-rooms");

/** Test-only webhook settings: base64 of bytes 0..31 seals signing secrets; a short retry schedule. */
const WEBHOOK_TEST_VARS = {
  WEBHOOK_ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  WEBHOOK_RETRY_SCHEDULE: "1,2,4",
  WEBHOOK_TIMEOUT_MS: "15000",
};

/** Built by test/gateway/global-setup.ts: service-bound workers must be plain JS for Miniflare. */
type AuxiliaryWorker = {
  name: string;
  modules: boolean;
  scriptPath: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  d1Databases: Record<string, string>;
  durableObjects?: Record<string, { className: string; useSQLite: boolean }>;
  queueProducers?: Record<string, string>;
  queueConsumers?: Record<string, { maxBatchSize: number; maxBatchTimeout: number; maxRetries?: number; deadLetterQueue?: string }>;
  serviceBindings?: Record<string, { name: string; entrypoint: string }>;
  bindings: Record<string, string>;
};

const auxiliaryWorkers: AuxiliaryWorker[] = [
  {
    name: "openinsure-identity",
    modules: true,
    scriptPath: ".build/identity/index.js",
    compatibilityDate: "2026-11-01",
    compatibilityFlags: [],
    d1Databases: { IDENTITY_DB: "identity-db" },
    bindings: TEST_SECRETS,
  },
  {
    name: "openinsure-underwriting",
    modules: true,
    scriptPath: ".build/underwriting/index.js",
    compatibilityDate: "2026-11-01",
    compatibilityFlags: [],
    d1Databases: { UNDERWRITING_DB: "underwriting-db" },
    durableObjects: { DA_LEDGER: { className: "DaLedger", useSQLite: true } },
    queueProducers: { WEBHOOK_EVENTS: "openinsure-webhook-events" },
    serviceBindings: { DEAL_ROOMS: { name: "openinsure-deal-rooms", entrypoint: "DealRoomsService" } },
    bindings: TEST_SECRETS,
  },
  {
    name: "openinsure-deal-rooms",
    modules: true,
    scriptPath: ".build/deal-rooms/index.js",
    compatibilityDate: "2026-11-01",
    compatibilityFlags: [],
    d1Databases: { DEAL_ROOMS_DB: "deal-rooms-db" },
    durableObjects: { DEAL_ROOM: { className: "DealRoom", useSQLite: true } },
    bindings: TEST_SECRETS,
  },
  {
    name: "openinsure-webhooks",
    modules: true,
    scriptPath: ".build/webhooks/index.js",
    compatibilityDate: "2026-11-01",
    compatibilityFlags: [],
    d1Databases: { WEBHOOKS_DB: "webhooks-db" },
    queueProducers: { WEBHOOK_EVENTS: "openinsure-webhook-events", WEBHOOK_DLQ: "openinsure-webhook-dlq" },
    queueConsumers: {
      "openinsure-webhook-events": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 10, deadLetterQueue: "openinsure-webhook-dlq" },
      "openinsure-webhook-dlq": { maxBatchSize: 10, maxBatchTimeout: 1 },
    },
    serviceBindings: { UNDERWRITING: { name: "openinsure-underwriting", entrypoint: "UnderwritingService" } },
    bindings: { ...TEST_SECRETS, ...WEBHOOK_TEST_VARS, WEBHOOK_ALLOW_LOOPBACK: "true" },
  },
];

export default defineConfig({
  test: {
    projects: [
      defineProject({
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/identity/wrangler.toml" },
            miniflare: { bindings: { ...TEST_SECRETS, TEST_MIGRATIONS: identityMigrations } },
          }),
        ],
        test: { name: "identity", include: ["test/identity/**/*.test.ts"], setupFiles: ["test/identity/setup.ts"] },
      }),
      defineProject({
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/underwriting/wrangler.toml" },
            miniflare: {
              bindings: { ...TEST_SECRETS, TEST_MIGRATIONS: underwritingMigrations },
              // Referral system messages go to the deal-rooms worker; its own project tests it.
              workers: [
                {
                  name: "openinsure-deal-rooms",
                  modules: true,
                  compatibilityDate: "2026-11-01",
                  script: `import { WorkerEntrypoint } from "cloudflare:workers";
export class DealRoomsService extends WorkerEntrypoint {
  async getRoom() { return { ok: false, error: { code: "not_found", message: "Deal room not found" } }; }
  async postSystemMessage() { return { ok: false, error: { code: "not_found", message: "Deal room not found" } }; }
}
export default { fetch() { return new Response(null, { status: 404 }); } };`,
                },
              ],
            },
          }),
        ],
        test: { name: "underwriting", include: ["test/underwriting/**/*.test.ts"], setupFiles: ["test/underwriting/setup.ts"] },
      }),
      defineProject({
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...TEST_SECRETS,
                IDENTITY_MIGRATIONS: identityMigrations,
                UNDERWRITING_MIGRATIONS: underwritingMigrations,
                WEBHOOKS_MIGRATIONS: webhooksMigrations,
                DEAL_ROOMS_MIGRATIONS: dealRoomsMigrations,
              },
              // The gateway test reaches into the domain databases to apply migrations (and to inspect outboxes).
              d1Databases: { IDENTITY_DB: "identity-db", UNDERWRITING_DB: "underwriting-db", WEBHOOKS_DB: "webhooks-db", DEAL_ROOMS_DB: "deal-rooms-db" },
              workers: auxiliaryWorkers,
            },
          }),
        ],
        test: {
          name: "gateway",
          include: ["test/gateway/**/*.test.ts"],
          globalSetup: ["test/gateway/global-setup.ts"],
          setupFiles: ["test/gateway/setup.ts"],
        },
      }),
      defineProject({
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/webhooks/wrangler.toml" },
            miniflare: {
              bindings: { ...TEST_SECRETS, ...WEBHOOK_TEST_VARS, WEBHOOK_ALLOW_LOOPBACK: "false", TEST_MIGRATIONS: webhooksMigrations },
              // The consumer reads event bodies from underwriting; tests pass their own source, so a stub suffices.
              workers: [
                {
                  name: "openinsure-underwriting",
                  modules: true,
                  compatibilityDate: "2026-11-01",
                  script: `import { WorkerEntrypoint } from "cloudflare:workers";
export class UnderwritingService extends WorkerEntrypoint { async readEvents() { return []; } }
export default { fetch() { return new Response(null, { status: 404 }); } };`,
                },
              ],
            },
          }),
        ],
        test: { name: "webhooks", include: ["test/webhooks/**/*.test.ts"], setupFiles: ["test/webhooks/setup.ts"] },
      }),
      defineProject({
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./workers/deal-rooms/wrangler.toml" },
            miniflare: { bindings: { ...TEST_SECRETS, TEST_MIGRATIONS: dealRoomsMigrations } },
          }),
        ],
        test: { name: "deal-rooms", include: ["test/deal-rooms/**/*.test.ts"], setupFiles: ["test/deal-rooms/setup.ts"] },
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
        },
      }),
    ],
  },
});

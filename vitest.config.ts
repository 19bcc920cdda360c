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
const notFound = `return { ok: false, error: { code: "not_found", message: "Deal room not found" } };`;

const workers = await Promise.all(
  testRegistry.workers
    .filter((w) => !w.gateway)
    .map((w) =>
      workerProject(testRegistry, root, w, {
        // Referral system messages go to the deal-rooms worker; its own project tests the real one.
        // Deal rooms ask identity whether a socket's API key still works: the stand-in says yes
        // until a test revokes the key id through it (`revokeForTest`).
        stubs: {
          "deal-rooms": { getRoom: notFound, postSystemMessage: notFound },
          identity: {
            apiKeyStatus: `const revoked = (globalThis.revokedKeys ??= new Set()); return revoked.has(arguments[1]) ? { active: false, expiresAt: null } : { active: true, expiresAt: null };`,
            revokeForTest: `(globalThis.revokedKeys ??= new Set()).add(arguments[0]); return true;`,
          },
        },
      }),
    ),
);

export default defineConfig({
  test: {
    projects: [
      ...workers,
      await gatewayProject(testRegistry, root, {
        name: "gateway",
        include: ["test/gateway/**/*.test.ts", "test/registry/*.test.ts"],
        globalSetup: ["test/gateway/global-setup.ts"],
        // Loopback receivers let the gateway tests deliver to a local endpoint.
        vars: { webhooks: { WEBHOOK_ALLOW_LOOPBACK: "true" } },
      }),
      // The same platform booted with production's ENVIRONMENT, as every wrangler.toml ships it.
      await gatewayProject(testRegistry, root, {
        name: "production",
        include: ["test/production/**/*.test.ts"],
        globalSetup: ["test/gateway/global-setup.ts"],
        environment: "production",
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
        },
      }),
    ],
  },
});

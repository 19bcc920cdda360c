/**
 * Setup file of every worker project (scripts/lib/vitest-projects.ts): applies the migrations the
 * project binds as `TEST_D1_MIGRATIONS` (D1 binding name → migrations, read from the registry) to
 * each database, before any test of the file runs. Applying is idempotent, so each file may run it.
 */
import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

const bindings = env as unknown as Record<string, unknown> & { TEST_D1_MIGRATIONS: Record<string, D1Migration[]> };
for (const [binding, migrations] of Object.entries(bindings.TEST_D1_MIGRATIONS)) {
  await applyD1Migrations(bindings[binding] as D1Database, migrations);
}

/**
 * The registry the tests run: production's workers plus one worker that exists only in tests,
 * declared once, here. Everything else about it is derived, exactly as for a real domain worker:
 * `npm run dev` would start and migrate it, its wrangler.toml bindings are generated, the gateway
 * and the events consumer are bound to it, the relay reads its outbox by its name, deploy orders it,
 * and it gets its own Vitest project (vitest.config.ts). test/contract/registry.test.ts and
 * test/registry/*.test.ts check each of those.
 */
import { registry, type WorkerEntry } from "../../workers/registry.ts";

/** The fixture: its folder (wrangler.toml, src/), its migrations and this entry are all it took. */
export const FIXTURE_WORKER: WorkerEntry = {
  name: "fixture-notes",
  purpose: "a test-only domain worker: notes, each written with an event in its outbox",
  dir: "test/registry/fixture",
  entrypoints: { public: "FixtureNotesService", internal: "FixtureNotesInternal" },
  d1: { binding: "FIXTURE_NOTES_DB", database: "openinsure-fixture-notes", id: "fixture-notes-db", migrations: "test/registry/fixture/migrations" },
  emitsEvents: true,
  tests: "test/registry/fixture",
};

export const testRegistry = registry().with(FIXTURE_WORKER);

/** For `tsx scripts/gen-bindings.ts --registry test/registry/test-registry.ts`. */
export default testRegistry;

import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.IDENTITY_DB, env.IDENTITY_MIGRATIONS);
await applyD1Migrations(env.UNDERWRITING_DB, env.UNDERWRITING_MIGRATIONS);
await applyD1Migrations(env.WEBHOOKS_DB, env.WEBHOOKS_MIGRATIONS);
await applyD1Migrations(env.DEAL_ROOMS_DB, env.DEAL_ROOMS_MIGRATIONS);

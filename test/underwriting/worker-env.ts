import { env } from "cloudflare:workers";
import type { UnderwritingEnv } from "../../workers/underwriting/src/env.ts";

/**
 * This project's bindings as the underwriting worker types them. The one global `Cloudflare.Env` is
 * the gateway's (every test project shares one tsconfig), where `DOCUMENTS` and `IDENTITY` are the
 * public entrypoints; here they are the internal ones underwriting is bound to.
 */
export const workerEnv = env as unknown as UnderwritingEnv;

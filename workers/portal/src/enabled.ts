/**
 * The feature flag `portal.enabled`: whether an org's insureds may sign in and use the portal. It is
 * read on every sign-in and every portal request (one RPC to the producers worker's evaluator), so
 * turning it off closes the portal on the org's next request, tokens already issued included.
 */
import { fail, type Result } from "#shared/errors";
import { readFlag } from "#shared/flags";
import type { PortalEnv } from "./env.ts";

/** Throws `FlagsUnavailable` when the flags cannot be read: the portal then fails closed (500), never open. */
export const portalEnabled = (env: Pick<PortalEnv, "PRODUCERS">, orgId: string): Promise<boolean> => readFlag(env.PRODUCERS, orgId, "portal.enabled");

/** What a portal route answers for an org whose portal is off: the insured's token no longer opens it (401). */
export const portalClosed = (): Result<never> => fail("unauthorized", "The policyholder portal is not enabled for this organisation");

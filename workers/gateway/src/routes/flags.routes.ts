import { route } from "../http/route.ts";

/**
 * Feature flags: the producers worker behind `PRODUCERS` keeps the org's overrides and evaluates
 * them (`flags:read`; `flags:write`, which only `org_admin` holds, is checked here and again there).
 * The gateway's own reads of a flag go through `#shared/flags` with `publicFlagSource`.
 */
export const flagRoutes = [
  route("listFlags", ({ env, principal }) => env.PRODUCERS.listFlags(principal)),
  route("getFlag", ({ env, principal, input }) => env.PRODUCERS.getFlag(principal, input.path.key)),
  route("setFlag", ({ env, principal, input }) => env.PRODUCERS.setFlag(principal, input.path.key, input.body.value)),
  route("deleteFlag", ({ env, principal, input }) => env.PRODUCERS.deleteFlag(principal, input.path.key)),
];

import { route } from "../http/route.ts";

/**
 * The policyholder portal: the portal worker behind `PORTAL`. Each of these operations is
 * `x-openinsure-auth: insured` in the contract, so the pipeline hands them an insured principal
 * built from a policyholder JWT and refuses every other credential with 401 (and every other
 * operation refuses a policyholder JWT).
 */
export const portalRoutes = [
  route("listPortalPolicies", ({ env, principal }) => env.PORTAL.listPolicies(principal)),
  route("getPortalPolicy", ({ env, principal, input }) => env.PORTAL.getPolicy(principal, input.path.id)),
  route("getPortalProfile", ({ env, principal }) => env.PORTAL.getProfile(principal)),
  route("updatePortalProfile", ({ env, principal, input }) => env.PORTAL.updateProfile(principal, input.body)),
];

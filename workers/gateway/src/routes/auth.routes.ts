import { fail } from "#shared/errors";
import type { Context } from "hono";
import type { GatewayContext } from "../env.ts";
import { route } from "../http/route.ts";

/** The session token a `/auth/*` call presents as `Authorization: Bearer …`. */
function sessionToken(c: Context<GatewayContext>): string | null {
  return c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? null;
}

const noSession = () => Promise.resolve(fail("unauthorized", "Missing or invalid credentials"));

/** Credential issuance: demo tokens, the signup/login session flow and the session → JWT exchange. */
export const authRoutes = [
  route("createDemoToken", ({ env, input }) => env.IDENTITY.issueDemoToken(input.body.secret, input.body.orgId)),
  route("signup", ({ env, input }) => env.IDENTITY.signup(input.body)),
  route("verifyEmail", ({ env, input }) => env.IDENTITY.verifyEmail(input.body)),
  route("resendVerificationCode", ({ env, input }) => env.IDENTITY.resendVerificationCode(input.body)),
  route("login", ({ env, input }) => env.IDENTITY.login(input.body)),
  route("logout", ({ env, c }) => {
    const token = sessionToken(c);
    return token ? env.IDENTITY.logout(token) : noSession();
  }),
  route("getProfile", ({ env, c }) => {
    const token = sessionToken(c);
    return token ? env.IDENTITY.getProfile(token) : noSession();
  }),
  // Policyholder sign-in: a one-time code by email, then a policyholder JWT (the portal worker).
  route("requestPolicyholderCode", ({ env, input }) => env.PORTAL.requestCode(input.body)),
  route("issuePolicyholderToken", ({ env, input }) => env.PORTAL.issueToken(input.body)),
  route("exchangeSession", ({ env, c }) => {
    const token = sessionToken(c);
    return token ? env.IDENTITY.exchangeSession(token) : noSession();
  }),
];

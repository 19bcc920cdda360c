import { zCreateDemoTokenBody, zLoginBody, zResendVerificationCodeBody, zSignupBody, zVerifyEmailBody } from "#contract/zod.gen";
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
  route({
    method: "post",
    path: "/auth/demo",
    operationId: "createDemoToken",
    auth: "public",
    schemas: { body: zCreateDemoTokenBody },
    extraLimit: { per: "ip", name: "demo", limit: 60, windowSeconds: 60 },
    handler: ({ env, input }) => env.IDENTITY.issueDemoToken(input.body.secret, input.body.orgId),
  }),
  route({
    method: "post",
    path: "/auth/signup",
    operationId: "signup",
    auth: "public",
    schemas: { body: zSignupBody },
    status: 201,
    extraLimit: { per: "ip", name: "signup", limit: 5, windowSeconds: 3600 },
    handler: ({ env, input }) => env.IDENTITY.signup(input.body),
  }),
  route({
    method: "post",
    path: "/auth/verify",
    operationId: "verifyEmail",
    auth: "public",
    schemas: { body: zVerifyEmailBody },
    extraLimit: { per: "ip", name: "verify", limit: 30, windowSeconds: 3600 },
    handler: ({ env, input }) => env.IDENTITY.verifyEmail(input.body),
  }),
  route({
    method: "post",
    path: "/auth/resend-code",
    operationId: "resendVerificationCode",
    auth: "public",
    schemas: { body: zResendVerificationCodeBody },
    status: 202,
    extraLimit: { per: "ip", name: "resend-code", limit: 10, windowSeconds: 3600 },
    handler: ({ env, input }) => env.IDENTITY.resendVerificationCode(input.body),
  }),
  route({
    method: "post",
    path: "/auth/login",
    operationId: "login",
    auth: "public",
    schemas: { body: zLoginBody },
    extraLimit: { per: "ip", name: "login", limit: 20, windowSeconds: 60 },
    handler: ({ env, input }) => env.IDENTITY.login(input.body),
  }),
  route({
    method: "post",
    path: "/auth/logout",
    operationId: "logout",
    auth: "public",
    schemas: {},
    status: 204,
    handler: ({ env, c }) => {
      const token = sessionToken(c);
      return token ? env.IDENTITY.logout(token) : noSession();
    },
  }),
  route({
    method: "get",
    path: "/auth/profile",
    operationId: "getProfile",
    auth: "public",
    schemas: {},
    handler: ({ env, c }) => {
      const token = sessionToken(c);
      return token ? env.IDENTITY.getProfile(token) : noSession();
    },
  }),
  route({
    method: "post",
    path: "/auth/better/exchange",
    operationId: "exchangeSession",
    auth: "public",
    schemas: {},
    handler: ({ env, c }) => {
      const token = sessionToken(c);
      return token ? env.IDENTITY.exchangeSession(token) : noSession();
    },
  }),
];

import { route } from "../http/route.ts";

/**
 * Connectors (`/v1/connectors`): the org's bring-your-own LLM keys and the email connector, behind
 * `WORKSPACE`. The scopes (`connectors:read|write`) and the per-org send limit are the contract's.
 */
export const connectorRoutes = [
  route("createLlmKey", ({ env, principal, input }) => env.WORKSPACE.createLlmKey(principal, input.body)),
  route("listLlmKeys", ({ env, principal }) => env.WORKSPACE.listLlmKeys(principal)),
  route("deleteLlmKey", ({ env, principal, input }) => env.WORKSPACE.deleteLlmKey(principal, input.path.id)),
  route("testLlmKey", ({ env, principal, input }) => env.WORKSPACE.testLlmKey(principal, input.path.id)),
  route("listEmailTemplates", ({ env, principal, input }) => env.WORKSPACE.listEmailTemplates(principal, input.query)),
  route("createEmailTemplate", ({ env, principal, input }) => env.WORKSPACE.createEmailTemplate(principal, input.body)),
  route("sendEmail", ({ env, principal, input }) => env.WORKSPACE.sendEmail(principal, input.body)),
  route("listEmailLogs", ({ env, principal, input }) => env.WORKSPACE.listEmailLogs(principal, input.query)),
];

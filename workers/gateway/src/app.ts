import { Hono, type Context } from "hono";
import { Scalar } from "@scalar/hono-api-reference";
import { isDevelopment } from "#shared/environment";
import { newId } from "#shared/ids";
// The pinned Scalar browser bundle (package.json), imported as text (wrangler.toml [[rules]] Text) so
// /docs renders without reaching a CDN. The package does not export the file, hence the direct path;
// TypeScript sees an untyped JS module where the bundler loads a string.
// @ts-expect-error TS7016: typed as the string it is below
import scalarSource from "../../../node_modules/@scalar/api-reference/dist/browser/standalone.js";
import type { GatewayContext } from "./env.ts";
import { upgradeToRoom } from "./deal-room-sockets.ts";
import { errorResponse } from "./http/errors.ts";
import { mount, type RouteSpec } from "./http/route.ts";
import { authRoutes } from "./routes/auth.routes.ts";
import { claimRoutes } from "./routes/claims.routes.ts";
import { billingRoutes } from "./routes/billing.routes.ts";
import { coiRoutes } from "./routes/coi.routes.ts";
import { platformRoutes } from "./routes/platform.routes.ts";
import { dealRoomRoutes } from "./routes/deal-rooms.routes.ts";
import { documentRoutes } from "./routes/documents.routes.ts";
import { identityRoutes } from "./routes/identity.routes.ts";
import { underwritingRoutes } from "./routes/underwriting.routes.ts";
import { webhookRoutes } from "./routes/webhooks.routes.ts";
import { producerRoutes } from "./routes/producers.routes.ts";
import { flagRoutes } from "./routes/flags.routes.ts";
import { portalRoutes } from "./routes/portal.routes.ts";
import { mcpRoutes } from "./routes/mcp.routes.ts";
import { MCP_PATH, PROTECTED_RESOURCE_PATHS, protectedResourceMetadata, serveMcp } from "./mcp/endpoint.ts";
import { marketRoutes } from "./routes/market.routes.ts";
import { partnerRoutes } from "./routes/partners.routes.ts";
import { ruleRoutes } from "./routes/rules.routes.ts";
import { teamRoutes, workspaceRoutes } from "./routes/workspace.routes.ts";
import { connectorRoutes } from "./routes/connectors.routes.ts";
import { PARTNER_ACCEPT_PATH, partnerAcceptPage } from "./partner-accept-page.ts";

/** Every contract operation the gateway serves, by domain (mounted in this order). */
export const ROUTES: RouteSpec[] = [...platformRoutes, ...authRoutes, ...identityRoutes, ...underwritingRoutes, ...webhookRoutes, ...dealRoomRoutes, ...documentRoutes, ...coiRoutes, ...claimRoutes, ...billingRoutes, ...producerRoutes, ...flagRoutes, ...portalRoutes, ...marketRoutes, ...ruleRoutes, ...mcpRoutes, ...workspaceRoutes, ...teamRoutes, ...partnerRoutes, ...connectorRoutes];

/** Where /docs loads the Scalar bundle from: the platform itself. */
export const SCALAR_BUNDLE_PATH = "/docs/scalar.js";

const scalarBundle: string = scalarSource;

/** Matches exactly the paths Hono routes to `path` (strict: a trailing slash is another path). */
function toPattern(path: string): RegExp {
  // `:uri{.+}` (a greedy parameter) takes slashes too.
  return new RegExp(`^${path.replace(/:[A-Za-z]+\{\.\+\}/g, ".+").replace(/:[A-Za-z]+/g, "[^/]+")}$`);
}

/** The Hono app: request id, the public documents, every contract route, and the error boundary. */
export function createApp(): Hono<GatewayContext> {
  const app = new Hono<GatewayContext>();

  app.use(async (c, next) => {
    const requestId = newId("req");
    c.set("requestId", requestId);
    c.header("X-Request-ID", requestId);
    // An MCP tool call is the operation's own request, sent back through this app.
    c.set("dispatch", (request) => Promise.resolve(app.fetch(request, c.env, c.executionCtx)));
    await next();
  });

  // No CDN and no web fonts: the explorer is served whole by the platform and works offline.
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "OpenInsure API", cdn: SCALAR_BUNDLE_PATH, withDefaultFonts: false, defaultOpenAllTags: true }));
  app.get(SCALAR_BUNDLE_PATH, (c) =>
    c.body(scalarBundle, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600" }),
  );
  // The page behind a partner's emailed invitation link: a form for POST /auth/partner-accept (not a
  // contract operation, as /docs is not).
  app.get(PARTNER_ACCEPT_PATH, (c) => partnerAcceptPage(c));

  // Sandbox routes exist only in development: in production they are not hidden behind a 403, they
  // are not there at all, before any credential is looked at.
  app.use("/v1/sandbox/*", async (c, next) => {
    if (isDevelopment(c.env)) return next();
    return errorResponse(c, "route_not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`);
  });

  // A deal-room socket upgrade authenticates with the wsUrl's token, not a credential header.
  app.use("/v1/deal-rooms/:id/ws", async (c, next) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
    return upgradeToRoom(c, c.req.param("id")!);
  });

  // The MCP server for AI agents (JSON-RPC over streamable HTTP, not a REST route) and its RFC 9728
  // resource metadata. Its tools are contract operations, run through the routes mounted below.
  for (const path of PROTECTED_RESOURCE_PATHS) app.get(path, protectedResourceMetadata);
  app.on(["GET", "POST", "DELETE"], MCP_PATH, (c) => serveMcp(c, c.get("dispatch")!));

  for (const spec of ROUTES) mount(app, spec);

  const patterns = [
    ...ROUTES.map((r) => ({ method: r.method.toUpperCase(), pattern: toPattern(r.path) })),
    ...["/docs", SCALAR_BUNDLE_PATH].map((p) => ({ method: "GET", pattern: toPattern(p) })),
    { method: "GET", pattern: toPattern(PARTNER_ACCEPT_PATH) },
    ...["GET", "POST", "DELETE"].map((method) => ({ method, pattern: toPattern(MCP_PATH) })),
    ...PROTECTED_RESOURCE_PATHS.map((p) => ({ method: "GET", pattern: toPattern(p) })),
  ];

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))];
    if (allowed.length) {
      return errorResponse(c, "method_not_allowed", `${c.req.method} is not allowed on ${path}`, { allowed }, { Allow: allowed.join(", ") });
    }
    return errorResponse(c, "route_not_found", `No route for ${c.req.method} ${path}`);
  });

  app.onError((error, c: Context<GatewayContext>) => {
    // Logged with the request id for support; the client sees no internals.
    console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), message: String(error), stack: (error as Error).stack }));
    return errorResponse(c, "internal_error", "An unexpected error occurred; include the requestId when contacting support");
  });

  return app;
}

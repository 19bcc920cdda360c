import { ok } from "#shared/errors";
import { openApiDocument } from "../http/contract.ts";
import { route } from "../http/route.ts";

/** The deployed API version: the contract's own. */
export const VERSION = (openApiDocument.info as { version: string }).version;

/** Liveness and the contract itself (the /docs page that renders it is mounted in app.ts). */
export const platformRoutes = [
  route("getHealth", async () => ok({ status: "ok" as const, version: VERSION })),
  route("getOpenApiDocument", async () => ok(openApiDocument)),
];

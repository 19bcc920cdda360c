/** The workspace worker under test, through its own entrypoints (RPC over loopback). */
import { env, exports } from "cloudflare:workers";
import type { UsageMeter } from "../../workers/workspace/src/usage-meter.do.ts";
import type { WorkspaceInternal, WorkspaceService } from "../../workers/workspace/src/index.ts";

const entrypoints = exports as unknown as { WorkspaceService: Service<WorkspaceService>; WorkspaceInternal: Service<WorkspaceInternal> };
export const workspaceRpc = entrypoints.WorkspaceService;
export const workspaceInternal = entrypoints.WorkspaceInternal;

/** The org's meter object, as the worker reaches it. */
export const meterOf = (orgId: string) => (env as unknown as { USAGE_METER: DurableObjectNamespace<UsageMeter> }).USAGE_METER.getByName(orgId);

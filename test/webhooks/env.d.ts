import type { WebhookQueueMessage } from "../../workers/_shared/events.ts";
import type { WorkspaceInternalRpc } from "../../workers/_shared/rpc.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      WEBHOOKS_DB: D1Database;
      WEBHOOK_EVENTS: Queue<WebhookQueueMessage>;
      WEBHOOK_DLQ: Queue<WebhookQueueMessage>;
      WEBHOOK_ENCRYPTION_KEY: string;
      WEBHOOK_RETRY_SCHEDULE: string;
      WEBHOOK_ALLOW_LOOPBACK: string;
      ENVIRONMENT: string;
      WORKSPACE: Service<WorkspaceInternalRpc>;
    }
  }
}

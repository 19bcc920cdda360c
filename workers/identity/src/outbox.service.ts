/** The sandbox email log: what the platform would have emailed, readable outside production only. */
import { notFound, ok, type Result } from "#shared/errors";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { IdentityDeps } from "./deps.ts";
import { isProduction } from "./env.ts";
import { listOutboxEmails } from "./outbox.repo.ts";
import type { OutboxEmailRow } from "./schema.ts";
import type { OutboxEmail, SandboxEmailQuery } from "./types.ts";
import { normalizeEmail } from "./validation.ts";

export const toOutboxEmail = (row: OutboxEmailRow): OutboxEmail => ({
  id: row.id,
  to: row.toAddress,
  subject: row.subject,
  body: row.body,
  kind: row.kind,
  createdAt: row.createdAt,
});

export async function listSandboxEmails(
  deps: IdentityDeps,
  query: SandboxEmailQuery | undefined,
): Promise<Result<Page<OutboxEmail>>> {
  // Real users' codes must never be readable in production, whatever the gateway does.
  if (isProduction(deps.env)) return notFound("Sandbox email log");
  const to = typeof query?.to === "string" && query.to.trim() !== "" ? normalizeEmail(query.to) : undefined;
  const rows = await listOutboxEmails(deps.db, to, query);
  if (!rows.ok) return rows;
  return ok(toPage(rows.value, pageSize(query?.limit), toOutboxEmail));
}

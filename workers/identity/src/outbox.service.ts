/** The sandbox email log: what the platform would have emailed, readable outside production only. */
import { notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { QueuedEmail } from "#shared/rpc";
import { pageSize, toPage, type Page } from "#shared/pagination";
import type { IdentityDeps } from "./deps.ts";
import { isProduction } from "./env.ts";
import { insertOutboxEmail, listOutboxEmails } from "./outbox.repo.ts";
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

const KIND = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Put another worker's email in the outbox (trusted callers only: `IdentityInternal`). The caller
 * redacts any secret in production, as identity does for its own codes. Throws on a malformed
 * email: a bug in the caller, not an outcome.
 */
export async function queueEmail(deps: IdentityDeps, email: QueuedEmail): Promise<{ id: string }> {
  if (!email || typeof email.to !== "string" || !email.to.includes("@") || typeof email.subject !== "string" || typeof email.body !== "string" || !KIND.test(String(email.kind))) {
    throw new Error("queueEmail: to, subject, body and a snake_case kind are required");
  }
  const row: OutboxEmailRow = {
    id: newId("eml"),
    orgId: email.orgId ?? null,
    toAddress: normalizeEmail(email.to),
    subject: email.subject.slice(0, 300),
    body: email.body.slice(0, 20_000),
    kind: email.kind,
    createdAt: new Date().toISOString(),
  };
  await insertOutboxEmail(deps.db, row);
  return { id: row.id };
}

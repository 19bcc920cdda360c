import { and, asc, eq, gt } from "drizzle-orm";
import { listKeyset } from "#shared/db";
import type { Result } from "#shared/errors";
import type { PageQuery } from "#shared/pagination";
import type { IdentityDb } from "./deps.ts";
import { outboxEmails, type NewOutboxEmailRow, type OutboxEmailRow } from "./schema.ts";

/** Emails are written in the same batch as the change that sends them (outbox). */
export const insertOutboxEmail = (db: IdentityDb, row: NewOutboxEmailRow) => db.insert(outboxEmails).values(row);

/** When each verification code mailed to `to` since `since` was sent, oldest first. */
export async function recentCodeEmails(db: IdentityDb, to: string, since: string): Promise<string[]> {
  const rows = await db
    .select({ createdAt: outboxEmails.createdAt })
    .from(outboxEmails)
    .where(and(eq(outboxEmails.toAddress, to), eq(outboxEmails.kind, "verification_code"), gt(outboxEmails.createdAt, since)))
    .orderBy(asc(outboxEmails.createdAt))
    .all();
  return rows.map((r) => r.createdAt);
}

/** `limit + 1` emails in page order, optionally only those to one address. */
export async function listOutboxEmails(db: IdentityDb, to: string | undefined, query: PageQuery | undefined): Promise<Result<OutboxEmailRow[]>> {
  const keyset = listKeyset(outboxEmails, query);
  if (!keyset.ok) return keyset;
  const rows = await db
    .select()
    .from(outboxEmails)
    .where(and(to === undefined ? undefined : eq(outboxEmails.toAddress, to), keyset.value.where))
    .orderBy(...keyset.value.orderBy)
    .limit(keyset.value.limit);
  return { ok: true, value: rows };
}

import { and, eq } from "drizzle-orm";
import { keysetAfter, keysetOrder, type KeysetPage } from "#shared/db";
import type { IdentityDb } from "./deps.ts";
import { outboxEmails, type OutboxEmailRow } from "./schema.ts";

/** Emails are written in the same batch as the change that sends them (outbox). */
export const insertOutboxEmail = (db: IdentityDb, row: OutboxEmailRow) => db.insert(outboxEmails).values(row);

/** `limit + 1` emails in page order, optionally only those to one address. */
export const listOutboxEmails = (db: IdentityDb, to: string | undefined, page: KeysetPage): Promise<OutboxEmailRow[]> =>
  db
    .select()
    .from(outboxEmails)
    .where(
      and(
        to === undefined ? undefined : eq(outboxEmails.toAddress, to),
        keysetAfter(outboxEmails.createdAt, outboxEmails.id, page),
      ),
    )
    .orderBy(...keysetOrder(outboxEmails.createdAt, outboxEmails.id, page.direction))
    .limit(page.limit + 1);

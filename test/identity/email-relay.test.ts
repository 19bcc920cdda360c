/**
 * The outbox's relay to the email queue (workers/identity/src/email-relay.ts): every email written is
 * handed to the queue once right away; one the prompt send missed is handed over by the sweep, once;
 * a production code is redacted in the stored copy and whole only in the message.
 */
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { EmailQueueMessage } from "../../workers/_shared/email-queue.ts";
import { newId } from "../../workers/_shared/ids.ts";
import { relayEmail, relayPendingEmails } from "../../workers/identity/src/email-relay.ts";
import type { IdentityInternal } from "../../workers/identity/src/index.ts";
import { outboxEmails } from "../../workers/identity/src/schema.ts";
import { realIso, realNow } from "../support/clock.ts";
import { createTestOrg, unique, unwrap } from "./factories.ts";

const internal = (exports as unknown as { IdentityInternal: Service<IdentityInternal> }).IdentityInternal;
const db = drizzle(env.IDENTITY_DB);

/** A queue that records what it was sent, or fails every send. */
function queue(mode: "ok" | "down" = "ok") {
  const sent: EmailQueueMessage[] = [];
  return {
    sent,
    send: async (body: EmailQueueMessage) => {
      if (mode === "down") throw new Error("queue unavailable");
      sent.push(body);
    },
  };
}

const rowOf = (id: string) => db.select().from(outboxEmails).where(eq(outboxEmails.id, id)).get();

describe("the email relay", () => {
  it("hands a queued email to the email queue at once, with its template and sender, and marks it relayed", async () => {
    const org = await createTestOrg();
    const queued = unwrap(await internal.queueEmail({ orgId: org.id, to: `a-${unique()}@example.com`, subject: "Hello", body: "Body", kind: "connector_template", template: "welcome", sentBy: "usr_admin" }));
    const row = await rowOf(queued.id);
    expect(row).toMatchObject({ template: "welcome", sentBy: "usr_admin" });
    // The worker's own EMAIL_QUEUE binding took it.
    expect(row!.relayedAt).not.toBeNull();
    // Nothing is left for the sweep.
    const later = queue();
    await relayPendingEmails(db, later, new Date(realNow() + 120_000));
    expect(later.sent.map((m) => m.emailId)).not.toContain(queued.id);
  });

  it("leaves an email the queue refused to the sweep, which sends it once with the stored body", async () => {
    const org = await createTestOrg();
    const at = realIso();
    const row = { id: newId("eml"), orgId: org.id, toAddress: `b-${unique()}@example.com`, subject: "Code", body: "Your code is ••••••.", kind: "verification_code", template: "verification_code", sentBy: null, createdAt: at };
    await db.insert(outboxEmails).values(row);
    expect(await relayEmail(db, queue("down"), row, "Your code is 123456.")).toBe(false);
    expect((await rowOf(row.id))!.relayedAt).toBeNull();

    // Within the prompt grace the sweep leaves it; after it, the sweep sends it, and only once.
    const early = queue();
    await relayPendingEmails(db, early, new Date(Date.parse(at) + 5_000));
    expect(early.sent.find((m) => m.emailId === row.id)).toBeUndefined();
    const sweep = queue();
    await relayPendingEmails(db, sweep, new Date(Date.parse(at) + 60_000));
    expect(sweep.sent.filter((m) => m.emailId === row.id)).toEqual([
      { kind: "email", emailId: row.id, orgId: org.id, to: row.toAddress, subject: "Code", body: "Your code is ••••••.", emailKind: "verification_code", template: "verification_code", sentBy: null, createdAt: at },
    ]);
    const again = queue();
    await relayPendingEmails(db, again, new Date(Date.parse(at) + 120_000));
    expect(again.sent.find((m) => m.emailId === row.id)).toBeUndefined();
  });

  it("carries the delivery body (a code the stored copy redacts) in the message only", async () => {
    const org = await createTestOrg();
    const sent = queue();
    const row = { id: newId("eml"), orgId: org.id, toAddress: `c-${unique()}@example.com`, subject: "Code", body: "Your code is ••••••.", kind: "verification_code", template: "verification_code", sentBy: null, createdAt: realIso() };
    await db.insert(outboxEmails).values(row);
    expect(await relayEmail(db, sent, row, "Your code is 654321.")).toBe(true);
    expect(sent.sent[0]).toMatchObject({ emailId: row.id, body: "Your code is 654321." });
    expect((await rowOf(row.id))!.body).toBe("Your code is ••••••.");
  });
});

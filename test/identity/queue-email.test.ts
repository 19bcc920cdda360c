/**
 * `IdentityInternal.queueEmail`: another worker's email for an org lands in the platform's outbox
 * (the sandbox email log reads it), its fields validated by name; no org, no email.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IdentityInternal } from "../../workers/identity/src/index.ts";
import { createTestOrg, errorOf, identity, unique, unwrap } from "./factories.ts";

const internal = (exports as unknown as { IdentityInternal: Service<IdentityInternal> }).IdentityInternal;

describe("queueEmail", () => {
  it("queues an email for the org into the outbox the sandbox log lists, address normalised", async () => {
    const org = await createTestOrg();
    const to = `Insured-${unique()}@Example.com`;
    const queued = unwrap(await internal.queueEmail({ orgId: org.id, to, subject: "Notice of pending cancellation", body: "Invoice INV-2027-000001 is unpaid.\n\nPay by 2027-02-10.", kind: "pending_cancellation_notice" }));
    expect(queued).toMatchObject({ to: to.toLowerCase(), kind: "pending_cancellation_notice" });
    expect(queued.id).toMatch(/^eml_/);
    const log = unwrap(await identity.listSandboxEmails({ to }));
    expect(log.data).toEqual([{ id: queued.id, to: to.toLowerCase(), subject: "Notice of pending cancellation", body: "Invoice INV-2027-000001 is unpaid.\n\nPay by 2027-02-10.", kind: "pending_cancellation_notice", createdAt: queued.createdAt }]);
    // Each call is one email: a caller that must not send twice keeps its own record.
    unwrap(await internal.queueEmail({ orgId: org.id, to, subject: "Second", body: "Again", kind: "pending_cancellation_notice" }));
    expect(unwrap(await identity.listSandboxEmails({ to })).data).toHaveLength(2);
  });

  it("names the field it refuses, and refuses an org that does not exist", async () => {
    const org = await createTestOrg();
    const good = { orgId: org.id, to: `a-${unique()}@example.com`, subject: "S", body: "B", kind: "portal_message" };
    for (const [field, bad] of [
      ["to", { ...good, to: "not-an-address" }],
      ["subject", { ...good, subject: " " }],
      ["subject", { ...good, subject: "x".repeat(201) }],
      ["body", { ...good, body: "" }],
      ["kind", { ...good, kind: "Pending Notice" }],
      ["orgId", { ...good, orgId: "" }],
    ] as const) {
      expect(errorOf(await internal.queueEmail(bad)), field).toMatchObject({ code: "validation_failed", details: { field } });
    }
    expect(errorOf(await internal.queueEmail({ ...good, orgId: "org_01J8K3M4N5P6Q7R8S9T0V1W2X3" }))).toMatchObject({ code: "not_found" });
    expect(unwrap(await identity.listSandboxEmails({ to: good.to })).data).toEqual([]);
  });
});

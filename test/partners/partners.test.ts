import { describe, expect, it } from "vitest";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { identity, newPartner, partnerBody, partnersRpc } from "./harness.ts";

describe("partners", () => {
  it("creates a partner with its first code, reads and lists it, confined to the org", async () => {
    const p = newPrincipal();
    const a = await newPartner(p, { name: "Acme Payroll", code: "acme-payroll" });
    expect(a).toMatchObject({ id: expect.stringMatching(/^prt_/), name: "Acme Payroll", status: "active", commissionRate: 10, defaultCode: "ACME-PAYROLL", landingUrl: "https://payroll.example/insurance", invitedAt: null, revokedAt: null });
    expect(unwrap(await partnersRpc.getPartner(p, a.id))).toEqual(a);
    const b = await newPartner(p, { name: "Builder Marketplace", commissionRate: 12.5 });
    expect(b.defaultCode).toMatch(/^[2-9A-HJKMNP-TV-Z]{8}$/);
    expect(b.commissionRate).toBe(12.5);
    expect(unwrap(await partnersRpc.listPartners(p)).data.map((x) => x.id)).toEqual([b.id, a.id]);

    const other = newPrincipal();
    expect(errorOf(await partnersRpc.getPartner(other, a.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await partnersRpc.revokePartner(other, a.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await partnersRpc.listPartnerCodes(other, a.id))).toMatchObject({ code: "not_found" });
    expect(unwrap(await partnersRpc.listPartners(other)).data).toEqual([]);
  });

  it("pages with a cursor and filters by status and search (name, email or code)", async () => {
    const p = newPrincipal();
    const a = await newPartner(p, { name: "Alpha Payroll", contactEmail: "hello@alpha.example" });
    const b = await newPartner(p, { name: "Beta Contractors", code: "BETA_BUILD" });
    const c = await newPartner(p, { name: "Gamma Books" });
    unwrap(await partnersRpc.revokePartner(p, c.id));
    const first = unwrap(await partnersRpc.listPartners(p, { limit: 2 }));
    expect(first.data.map((x) => x.id)).toEqual([c.id, b.id]);
    const second = unwrap(await partnersRpc.listPartners(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second).toEqual({ data: [expect.objectContaining({ id: a.id })], nextCursor: null });
    const ids = async (q: Parameters<typeof partnersRpc.listPartners>[1]) => unwrap(await partnersRpc.listPartners(p, q)).data.map((x) => x.id);
    expect(await ids({ status: "revoked" })).toEqual([c.id]);
    expect(await ids({ status: "active" })).toEqual([b.id, a.id]);
    expect(await ids({ search: "ALPHA.example" })).toEqual([a.id]);
    expect(await ids({ search: "beta_b" })).toEqual([b.id]);
    expect(await ids({ search: "contractors" })).toEqual([b.id]);
    expect(errorOf(await partnersRpc.listPartners(p, { cursor: "not-a-cursor" }))).toMatchObject({ code: "validation_failed" });
  });

  it("refuses a landing URL that is not public https, with the webhook endpoints' rules", async () => {
    const p = newPrincipal();
    for (const landingUrl of ["http://payroll.example/", "https://127.0.0.1/x", "https://10.0.0.8/", "https://169.254.169.254/latest", "https://[::1]/", "https://localhost/", "https://intranet.local/", "ftp://payroll.example/", "https://user:pw@payroll.example/", "not a url", "https://2130706433/"]) {
      expect(errorOf(await partnersRpc.createPartner(p, partnerBody({ landingUrl }))), landingUrl).toMatchObject({ code: "validation_failed", details: { field: "landingUrl" } });
    }
    expect(unwrap(await partnersRpc.listPartners(p)).data).toEqual([]);
  });

  it("refuses a commission rate outside 0–50% or with more than two decimals", async () => {
    const p = newPrincipal();
    for (const [commissionRate, rule] of [[-1, "range"], [50.01, "range"], [75, "range"], [12.345, "decimals"]] as const) {
      expect(errorOf(await partnersRpc.createPartner(p, partnerBody({ commissionRate })))).toEqual({ code: "validation_failed", message: expect.any(String), details: { field: "commissionRate", rule } });
    }
    expect((await newPartner(p, { commissionRate: 0 })).commissionRate).toBe(0);
    expect((await newPartner(p, { commissionRate: 50 })).commissionRate).toBe(50);
  });

  it("answers a code already taken, by any org, with 409 and creates nothing", async () => {
    const p = newPrincipal();
    const code = `TAKEN${crypto.randomUUID().slice(0, 6)}`;
    await newPartner(p, { code });
    expect(errorOf(await partnersRpc.createPartner(newPrincipal(), partnerBody({ code: code.toLowerCase() })))).toMatchObject({ code: "conflict", details: { field: "code" } });
    expect(unwrap(await partnersRpc.listPartners(p)).data).toHaveLength(1);
  });

  it("adds codes to a partner and lists them with their click counts; a revoked partner gets none", async () => {
    const p = newPrincipal();
    const a = await newPartner(p);
    const extra = unwrap(await partnersRpc.createPartnerCode(p, a.id, { code: `spring${crypto.randomUUID().slice(0, 6)}` }));
    expect(extra).toMatchObject({ partnerId: a.id, status: "active", clicks: 0, path: `/r/${extra.code}` });
    expect(extra.code).toBe(extra.code.toUpperCase());
    const generated = unwrap(await partnersRpc.createPartnerCode(p, a.id, {}));
    expect(unwrap(await partnersRpc.listPartnerCodes(p, a.id)).data.map((c) => c.code)).toEqual([generated.code, extra.code, a.defaultCode]);
    unwrap(await partnersRpc.revokePartner(p, a.id));
    expect(unwrap(await partnersRpc.listPartnerCodes(p, a.id)).data.every((c) => c.status === "revoked")).toBe(true);
    expect(errorOf(await partnersRpc.createPartnerCode(p, a.id, {}))).toMatchObject({ code: "invalid_state_transition" });
  });

  it("invites a partner through the email outbox with a login link, once per invitation; a revoked one is refused", async () => {
    const p = newPrincipal();
    const a = await newPartner(p, { contactEmail: "ops@acme-payroll.example" });
    const invitation = unwrap(await partnersRpc.invitePartner(p, a.id, "https://api.openinsure.test"));
    expect(invitation).toMatchObject({ sentTo: "ops@acme-payroll.example", emailId: expect.stringMatching(/^eml_/), partner: { id: a.id, status: "invited", invitedAt: expect.any(String) } });
    const emails = await identity.emailsForTest(p.orgId);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ to: "ops@acme-payroll.example", kind: "partner_invitation" });
    expect(emails[0]!.body).toMatch(/https:\/\/api\.openinsure\.test\/partner\/accept\?token=[A-Za-z0-9_-]{43}/);
    expect(emails[0]!.body).toContain(a.defaultCode);
    expect(unwrap(await partnersRpc.getPartner(p, a.id)).status).toBe("invited");

    const revoked = unwrap(await partnersRpc.revokePartner(p, a.id));
    expect(revoked).toMatchObject({ status: "revoked", revokedAt: expect.any(String) });
    expect(unwrap(await partnersRpc.revokePartner(p, a.id))).toEqual(revoked);
    expect(errorOf(await partnersRpc.invitePartner(p, a.id, "https://api.openinsure.test"))).toMatchObject({ code: "invalid_state_transition" });
    expect(await identity.emailsForTest(p.orgId)).toHaveLength(1);
  });
});

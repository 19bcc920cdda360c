import { describe, expect, it } from "vitest";
import { normalizeDomain, normalizeName } from "../../workers/market/src/clients.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { marketRpc } from "./harness.ts";

describe("clients (prospects)", () => {
  it("saves, reads, updates and lists clients, confined to the org", async () => {
    const p = newPrincipal();
    const a = unwrap(await marketRpc.createClient(p, { name: "Acme Roofing, LLC", domain: "https://www.Acme-Roofing.com/about", state: "OR", naicsCode: "238160", annualRevenue: 2_500_000.5 }));
    expect(a).toMatchObject({ id: expect.stringMatching(/^cli_/), domain: "acme-roofing.com", status: "prospect", annualRevenue: 2_500_000.5, submissionId: null });
    const b = unwrap(await marketRpc.createClient(p, { name: "Blue Dental", state: "WA", naicsCode: "621210" }));
    expect(unwrap(await marketRpc.getClient(p, a.id))).toEqual(a);
    const updated = unwrap(await marketRpc.updateClient(p, b.id, { contactEmail: "office@bluedental.example", state: null }));
    expect(updated).toMatchObject({ contactEmail: "office@bluedental.example", state: null, name: "Blue Dental" });
    expect(unwrap(await marketRpc.listClients(p)).data.map((c) => c.id)).toEqual([b.id, a.id]);
    expect(unwrap(await marketRpc.listClients(p, { state: "OR" })).data.map((c) => c.id)).toEqual([a.id]);
    const page = unwrap(await marketRpc.listClients(p, { limit: 1 }));
    expect(unwrap(await marketRpc.listClients(p, { limit: 1, cursor: page.nextCursor! })).data.map((c) => c.id)).toEqual([a.id]);

    const other = newPrincipal();
    expect(errorOf(await marketRpc.getClient(other, a.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await marketRpc.updateClient(other, a.id, { name: "Mine now" }))).toMatchObject({ code: "not_found" });
    expect(unwrap(await marketRpc.listClients(other)).data).toEqual([]);
  });

  it("refuses a NAICS code off the official list and a domain that is no host", async () => {
    const p = newPrincipal();
    expect(errorOf(await marketRpc.createClient(p, { name: "X", naicsCode: "999999" }))).toMatchObject({ code: "validation_failed", details: { field: "naicsCode", rule: "naics_code" } });
    expect(errorOf(await marketRpc.createClient(p, { name: "X", domain: "not a host" }))).toMatchObject({ details: { field: "domain" } });
    expect(errorOf(await marketRpc.createClient(p, { name: "  " } as never))).toMatchObject({ details: { field: "name", rule: "required" } });
  });

  it("searches by name, domain and NAICS prefix", async () => {
    const p = newPrincipal();
    const a = unwrap(await marketRpc.createClient(p, { name: "Acme Roofing", domain: "acme.com", naicsCode: "238160" }));
    const b = unwrap(await marketRpc.createClient(p, { name: "Summit Dental", domain: "summitsmiles.example", naicsCode: "621210" }));
    const ids = async (q: Parameters<typeof marketRpc.searchClients>[1]) => unwrap(await marketRpc.searchClients(p, q)).data.map((c) => c.id);
    expect(await ids({ q: "ROOF" })).toEqual([a.id]);
    expect(await ids({ q: "smiles" })).toEqual([b.id]);
    expect(await ids({ naicsCode: "23" })).toEqual([a.id]);
    expect(await ids({ naicsCode: "6212" })).toEqual([b.id]);
    expect(await ids({})).toEqual([b.id, a.id]);
  });

  it("finds duplicates by normalised name and state, or by domain", async () => {
    const p = newPrincipal();
    const a = unwrap(await marketRpc.createClient(p, { name: "The Acme Roofing Co., Inc.", state: "OR", domain: "acme.com" }));
    expect(normalizeName("The Acme Roofing Co., Inc.")).toBe("acme roofing");
    expect(normalizeDomain("HTTP://www.acme.com:443/x")).toBe("acme.com");
    expect(unwrap(await marketRpc.checkClientDuplicate(p, { name: "acme roofing llc", state: "OR" }))).toMatchObject({ duplicate: true, matches: [{ id: a.id }] });
    expect(unwrap(await marketRpc.checkClientDuplicate(p, { name: "Acme Roofing", state: "WA" }))).toEqual({ duplicate: false, matches: [] });
    expect(unwrap(await marketRpc.checkClientDuplicate(p, { name: "Another name", domain: "www.ACME.com" }))).toMatchObject({ duplicate: true, matches: [{ id: a.id }] });
    expect(unwrap(await marketRpc.checkClientDuplicate(newPrincipal(), { name: "Acme Roofing", state: "OR" })).duplicate).toBe(false);
    expect(errorOf(await marketRpc.checkClientDuplicate(p, {}))).toMatchObject({ code: "validation_failed" });
  });

  it("records the terms the principal accepted, with the version and the time, once", async () => {
    const p = newPrincipal();
    expect(unwrap(await marketRpc.termsStatus(p))).toEqual({ currentVersion: "2026-01", accepted: false, acceptedAt: null });
    expect(errorOf(await marketRpc.acceptTerms(p, { version: "2020-01" }))).toMatchObject({ details: { field: "version", rule: "current_version" } });
    const accepted = unwrap(await marketRpc.acceptTerms(p, { version: "2026-01" }));
    expect(accepted).toMatchObject({ currentVersion: "2026-01", accepted: true, acceptedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(unwrap(await marketRpc.acceptTerms(p, { version: "2026-01" }))).toEqual(accepted);
    // Another key of the same org has not accepted.
    expect(unwrap(await marketRpc.termsStatus({ ...p, credentialId: "key_other", actorId: "key_other" })).accepted).toBe(false);
  });
});

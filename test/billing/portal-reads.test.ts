/**
 * What the portal's "payment due" pass reads from billing's internal entrypoint: the orgs with an
 * open invoice, and one org's open invoices due between two dates (inclusive), confined to that org.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { BillingInternal } from "../../workers/billing/src/index.ts";
import { billedPolicy } from "./harness.ts";

const internal = (exports as unknown as { BillingInternal: Service<BillingInternal> }).BillingInternal;

describe("billing's reads for the portal's payment reminders", () => {
  it("lists the orgs with open invoices and an org's open invoices due in a window, no other org's", async () => {
    const mine = await billedPolicy("QUARTERLY", 400_000, "2027-01-01");
    const theirs = await billedPolicy("QUARTERLY", 400_000, "2027-01-01");
    const orgs = await internal.orgsWithOpenInvoices();
    expect(orgs).toEqual(expect.arrayContaining([mine.principal.orgId, theirs.principal.orgId]));
    const dueDates = mine.invoices.map((i) => i.dueDate);
    expect(dueDates).toEqual(["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"]);

    const window = await internal.openInvoicesDueBetween(mine.principal.orgId, "2027-03-29", "2027-04-01", "2027-03-29");
    expect(window.map((i) => i.id)).toEqual([mine.invoices[1]!.id]);
    expect(window[0]).toMatchObject({ policyId: mine.facts.policyId, status: "open", overdue: false, amountDue: mine.invoices[1]!.amountDue });
    // The window's ends count, another org's invoices never appear, and a bad date reads nothing.
    expect((await internal.openInvoicesDueBetween(mine.principal.orgId, "2027-04-01", "2027-07-01", "2027-04-01")).map((i) => i.dueDate)).toEqual(["2027-04-01", "2027-07-01"]);
    expect((await internal.openInvoicesDueBetween(mine.principal.orgId, "2027-01-01", "2027-12-31", "2027-01-01")).every((i) => i.policyId === mine.facts.policyId)).toBe(true);
    expect(await internal.openInvoicesDueBetween(mine.principal.orgId, "soon", "2027-04-01", "2027-03-29")).toEqual([]);
  });
});

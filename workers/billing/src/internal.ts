/**
 * The billing worker's internal entrypoint, bound only to the workers the registry names: the
 * webhooks consumer, which reads the bodies of billing's events through it, and the portal, which
 * reads an insured's invoices. Not org-scoped, which is
 * why the gateway is never bound to it.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { readOutboxEvents } from "#shared/outbox";
import type { BillingInternalRpc } from "#shared/rpc";
import { database } from "./database.ts";
import { invoicesOfPolicies, openInvoicesDueBetween, orgsWithOpenInvoices } from "./invoices.service.ts";
import type { BillingEnv } from "./env.ts";

export class BillingInternal extends WorkerEntrypoint<BillingEnv> implements BillingInternalRpc {
  /** `invoice.created`, `payment.received` and the rest of this worker's outbox, by id. */
  readEvents(ids: string[]) {
    return readOutboxEvents(database(this.env), ids);
  }

  /** The invoices of an insured's policies, for the portal (it names the org and the policies, having read them from underwriting). */
  invoicesOfPolicies(orgId: string, policyIds: string[], today: string) {
    return invoicesOfPolicies(database(this.env), orgId, policyIds, today);
  }

  /** The orgs with an open invoice: the portal's "payment due in 3 days" pass visits each. */
  orgsWithOpenInvoices() {
    return orgsWithOpenInvoices(database(this.env));
  }

  /** `orgId`'s open invoices due between two dates: the portal reminds their insureds. */
  openInvoicesDueBetween(orgId: string, from: string, to: string, today: string) {
    return openInvoicesDueBetween(database(this.env), orgId, from, to, today);
  }
}

/**
 * Bind enforces distribution authority, through the gateway on the real underwriting and producers
 * workers: a submission naming a producer shows the producer check in its quote's `authority`, and
 * binds only if the producer is active, licensed in the risk's state for its line, unexpired and
 * appointed (active) there on the effective date; otherwise 422 `producer_not_authorized` naming
 * the failed checks, the state and the line, and nothing is bound.
 */
import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { call, createTenant, json, type Tenant } from "./harness.ts";
import { glSubmission } from "./lifecycle-harness.ts";

/** The worked submission: GL in OR, effective 2027-01-01 (a month after the test calendar's today). */
const EFFECTIVE = "2027-01-01";

let seq = 0;
const send = (method: string, key: string, path: string, body?: unknown) => call(method, path, { apiKey: key, ...(body === undefined ? {} : { body }) });

interface Setup {
  licenses?: { state: string; lines: string[]; number: string; expiresOn: string }[];
  /** The appointment's status in OR for GL, or none. */
  appointment?: "pending" | "active" | "terminated" | null;
  appointmentLines?: string[];
  status?: "active" | "suspended" | "terminated";
}

/** A producer of the tenant, licensed in OR for GL through 2027-06-30 and appointed (active) there, unless `setup` says otherwise. */
async function producerOf(t: Tenant, setup: Setup = {}) {
  const body = {
    name: "Cascade Risk Partners",
    email: "agents@cascade.example",
    npn: String(7_000_000 + ++seq * 11 + Math.floor(Math.random() * 5)),
    licenses: setup.licenses ?? [{ state: "OR", lines: ["GL"], number: "OR-55123", expiresOn: "2027-06-30" }],
  };
  const res = await send("POST", t.apiKey, "/v1/producers", body);
  if (res.status !== 201) throw new Error(`producer: ${res.status} ${await res.text()}`);
  const producer = await json(res);
  const appointment = setup.appointment === undefined ? "active" : setup.appointment;
  if (appointment) {
    const appt = await json(await send("POST", t.apiKey, `/v1/producers/${producer.id}/appointments`, { carrier: "Summit Mutual", state: "OR", lines: setup.appointmentLines ?? ["GL"] }));
    const path = `/v1/producers/${producer.id}/appointments/${appt.id}`;
    if (appointment !== "pending") expect((await send("PATCH", t.apiKey, path, { status: "active" })).status).toBe(200);
    if (appointment === "terminated") expect((await send("PATCH", t.apiKey, path, { status: "terminated" })).status).toBe(200);
  }
  if (setup.status && setup.status !== "active") expect((await send("PATCH", t.apiKey, `/v1/producers/${producer.id}`, { status: setup.status })).status).toBe(200);
  return producer;
}

/** A submission through `producerId`, quoted; the quote and the bind's answer. */
async function quoteAndBind(t: Tenant, producerId: string) {
  const created = await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId }));
  expect(created.status).toBe(201);
  const sub = await json(created);
  expect(sub.producerId).toBe(producerId);
  const quoted = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`);
  expect(quoted.status).toBe(201);
  const quote = await json(quoted);
  const preview = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind?preview=true`, { installmentPlan: "PIF" });
  const bind = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF" });
  return { sub, quote, preview, bind };
}

describe("bind through a producer", () => {
  it("binds when the producer holds every check, and the quote shows them", async () => {
    const t = await createTenant();
    const producer = await producerOf(t);
    const { quote, preview, bind } = await quoteAndBind(t, producer.id);
    expect(quote.authority.producer).toMatchObject({ producerId: producer.id, state: "OR", lineOfBusiness: "GL", effectiveDate: EFFECTIVE, authorized: true });
    expect(quote.authority.producer.checks.map((c: { check: string; passed: boolean }) => [c.check, c.passed])).toEqual([["status", true], ["license", true], ["expiry", true], ["appointment", true]]);
    expect(preview.status).toBe(200);
    expect(bind.status).toBe(201);
    expect(await json(bind)).toMatchObject({ status: "active", effectiveDate: EFFECTIVE });
  });

  it("quotes without a producer check when the submission names none", async () => {
    const t = await createTenant();
    const sub = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission()));
    const quote = await json(await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`));
    expect(quote.authority.producer).toBeNull();
  });

  it.each<[string, Setup, string[]]>([
    ["no license in the state", { licenses: [{ state: "WA", lines: ["GL"], number: "WA-1", expiresOn: "2027-06-30" }] }, ["license", "expiry"]],
    ["a license that expires before the effective date", { licenses: [{ state: "OR", lines: ["GL"], number: "OR-1", expiresOn: "2026-12-31" }] }, ["expiry"]],
    ["a license for another line", { licenses: [{ state: "OR", lines: ["PROP"], number: "OR-2", expiresOn: "2027-06-30" }] }, ["license", "expiry"]],
    ["no appointment", { appointment: null }, ["appointment"]],
    ["an appointment still pending", { appointment: "pending" }, ["appointment"]],
    ["a terminated appointment", { appointment: "terminated" }, ["appointment"]],
    ["an appointment for another line", { appointmentLines: ["PROP"] }, ["appointment"]],
    ["a suspended producer", { status: "suspended" }, ["status"]],
    ["a terminated producer", { status: "terminated" }, ["status"]],
  ])("refuses with 422 producer_not_authorized for %s, and binds nothing", async (_label, setup, failed) => {
    const t = await createTenant();
    const producer = await producerOf(t, setup);
    const { sub, quote, preview, bind } = await quoteAndBind(t, producer.id);
    expect(quote.authority.producer).toMatchObject({ authorized: false });
    for (const res of [preview, bind]) {
      expect(res.status).toBe(422);
      const body = await json(res);
      expect(body).toMatchObject({ error: "producer_not_authorized", details: { producerId: producer.id, state: "OR", lineOfBusiness: "GL", effectiveDate: EFFECTIVE } });
      // A license missing for the line leaves none to be unexpired: both checks fail.
      expect(body.details.failed).toEqual(failed);
      expect(body.details.checks).toHaveLength(4);
    }
    expect(await json(await send("GET", t.apiKey, `/v1/submissions/${sub.id}`))).toMatchObject({ status: "quoted", policyId: null });
  });

  it("judges the bind on the day it runs: an appointment terminated after the quote refuses it", async () => {
    const t = await createTenant();
    const producer = await producerOf(t);
    const sub = await json(await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId: producer.id })));
    const quote = await json(await send("POST", t.apiKey, `/v1/submissions/${sub.id}/quote`));
    expect(quote.authority.producer.authorized).toBe(true);
    const appts = await json(await send("GET", t.apiKey, `/v1/producers/${producer.id}/appointments`));
    expect((await send("PATCH", t.apiKey, `/v1/producers/${producer.id}/appointments/${appts.data[0].id}`, { status: "terminated" })).status).toBe(200);
    const bind = await send("POST", t.apiKey, `/v1/submissions/${sub.id}/bind`, { installmentPlan: "PIF" });
    expect(bind.status).toBe(422);
    expect((await json(bind)).details.failed).toEqual(["appointment"]);
  });

  it("refuses a submission naming an unknown or another org's producer with 404 naming the field", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const foreign = await producerOf(other);
    for (const producerId of [foreign.id, newId("prd")]) {
      const res = await send("POST", t.apiKey, "/v1/submissions", glSubmission({ producerId }));
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ error: "not_found", details: { field: "producerId" } });
    }
    expect((await json(await send("GET", t.apiKey, "/v1/submissions"))).data).toEqual([]);
  });
});


import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { newProducer, producerBody, producersRpc } from "./harness.ts";

describe("producers: create and read", () => {
  it("creates an active producer with its licenses and rates, and reads it back", async () => {
    const p = newPrincipal();
    const created = await newProducer(p);
    expect(created).toMatchObject({ status: "active", agency: "Rivera Agency", commissionRates: { GL: { newBusiness: 12.5, renewal: 10 } } });
    expect(created.id).toMatch(/^prd_/);
    expect(created.licenses).toEqual([{ state: "CA", lines: ["GL", "PROP"], number: "0H12345", expiresOn: testDay(365) }]);
    expect(unwrap(await producersRpc.getProducer(p, created.id))).toEqual(created);
  });

  it("answers 404 for another org's producer and for none", async () => {
    const p = newPrincipal();
    const other = await newProducer(newPrincipal());
    expect(errorOf(await producersRpc.getProducer(p, other.id)).code).toBe("not_found");
    expect(errorOf(await producersRpc.getProducer(p, newId("prd"))).code).toBe("not_found");
    expect(errorOf(await producersRpc.updateProducer(p, other.id, { name: "Mine now" })).code).toBe("not_found");
  });

  it("refuses a duplicate NPN in the org with 409 naming the holder, but not in another org", async () => {
    const p = newPrincipal();
    const first = await newProducer(p);
    const dup = errorOf(await producersRpc.createProducer(p, producerBody({ npn: first.npn })));
    expect(dup).toMatchObject({ code: "conflict", details: { field: "npn", existingProducerId: first.id } });
    unwrap(await producersRpc.createProducer(newPrincipal(), producerBody({ npn: first.npn })));
    const second = await newProducer(p);
    expect(errorOf(await producersRpc.updateProducer(p, second.id, { npn: first.npn }))).toMatchObject({ code: "conflict", details: { existingProducerId: first.id } });
  });

  it.each([
    ["an NPN of letters", { npn: "12A45" }, "npn", "pattern"],
    ["an NPN of 11 digits", { npn: "12345678901" }, "npn", "pattern"],
    ["a state that is not a US state", { licenses: [{ state: "XX", lines: ["GL"], number: "1", expiresOn: testDay(30) }] }, "licenses.0.state", "enum"],
    ["a line outside GL/PROP/CA", { licenses: [{ state: "CA", lines: ["WC"], number: "1", expiresOn: testDay(30) }] }, "licenses.0.lines.0", "enum"],
    ["a license expired before today", { licenses: [{ state: "CA", lines: ["GL"], number: "1", expiresOn: testDay(-1) }] }, "licenses.0.expiresOn", "not_past"],
    ["two licenses in one state", { licenses: [{ state: "CA", lines: ["GL"], number: "1", expiresOn: testDay(30) }, { state: "CA", lines: ["CA"], number: "2", expiresOn: testDay(30) }] }, "licenses.1.state", "unique"],
    ["a rate above 50%", { commissionRates: { GL: { newBusiness: 50.01, renewal: 10 } } }, "commissionRates.GL.newBusiness", "too_big"],
    ["a negative rate", { commissionRates: { CA: { newBusiness: 10, renewal: -1 } } }, "commissionRates.CA.renewal", "too_small"],
    ["a rate with three decimals", { commissionRates: { PROP: { newBusiness: 12.345, renewal: 10 } } }, "commissionRates.PROP.newBusiness", "percent_precision"],
  ] as const)("refuses %s with 400 naming the field", async (_label, overrides, field, rule) => {
    const p = newPrincipal();
    const error = errorOf(await producersRpc.createProducer(p, producerBody(overrides as never)));
    expect(error).toMatchObject({ code: "validation_failed", details: { field, rule } });
    expect(unwrap(await producersRpc.listProducers(p)).data).toEqual([]);
  });

  it("keeps a license expiring today (its last valid day) and rates of 0 and 50", async () => {
    const p = newPrincipal();
    const made = await newProducer(p, {
      licenses: [{ state: "TX", lines: ["CA"], number: "9", expiresOn: testDay(0) }],
      commissionRates: { CA: { newBusiness: 50, renewal: 0 }, PROP: { newBusiness: 7.25, renewal: 5.5 } },
    });
    expect(made.commissionRates).toEqual({ CA: { newBusiness: 50, renewal: 0 }, PROP: { newBusiness: 7.25, renewal: 5.5 } });
  });
});

describe("producers: update", () => {
  it("replaces only the fields sent, and clears the agency with null", async () => {
    const p = newPrincipal();
    const made = await newProducer(p);
    const updated = unwrap(await producersRpc.updateProducer(p, made.id, { agency: null, licenses: [{ state: "NY", lines: ["GL"], number: "LA-1", expiresOn: testDay(10) }] }));
    expect(updated).toMatchObject({ name: made.name, npn: made.npn, agency: null, licenses: [{ state: "NY", lines: ["GL"], number: "LA-1", expiresOn: testDay(10) }] });
    expect(errorOf(await producersRpc.updateProducer(p, made.id, { licenses: [{ state: "NY", lines: ["GL"], number: "LA-1", expiresOn: testDay(-1) }] }))).toMatchObject({ details: { field: "licenses.0.expiresOn", rule: "not_past" } });
    expect(updated.commissionRates).toEqual(made.commissionRates);
  });

  it("suspends and reactivates, but a terminated producer changes no more (422)", async () => {
    const p = newPrincipal();
    const made = await newProducer(p);
    expect(unwrap(await producersRpc.updateProducer(p, made.id, { status: "suspended" })).status).toBe("suspended");
    expect(unwrap(await producersRpc.updateProducer(p, made.id, { status: "active" })).status).toBe("active");
    expect(unwrap(await producersRpc.updateProducer(p, made.id, { status: "terminated" })).status).toBe("terminated");
    for (const change of [{ status: "active" as const }, { name: "Renamed" }]) {
      expect(errorOf(await producersRpc.updateProducer(p, made.id, change)).code).toBe("invalid_state_transition");
    }
    expect(unwrap(await producersRpc.getProducer(p, made.id))).toMatchObject({ status: "terminated", name: made.name });
  });

  it("refuses a bad rate on update and changes nothing", async () => {
    const p = newPrincipal();
    const made = await newProducer(p);
    expect(errorOf(await producersRpc.updateProducer(p, made.id, { commissionRates: { GL: { newBusiness: 60, renewal: 1 } } }))).toMatchObject({ details: { field: "commissionRates.GL.newBusiness" } });
    expect(unwrap(await producersRpc.getProducer(p, made.id))).toEqual(made);
  });
});

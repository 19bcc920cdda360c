import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { newId } from "#shared/ids";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { newProducer, producersInternal, producersRpc } from "./harness.ts";

/** A producer licensed in CA for GL through testDay(100), appointed (active) in CA for GL. */
async function appointedProducer(p: Principal) {
  const producer = await newProducer(p, { licenses: [{ state: "CA", lines: ["GL"], number: "0H1", expiresOn: testDay(100) }] });
  const appt = unwrap(await producersRpc.createAppointment(p, producer.id, { carrier: "Summit Mutual", state: "CA", lines: ["GL"] }));
  unwrap(await producersRpc.updateAppointment(p, producer.id, appt.id, { status: "active" }));
  return { producer, appt };
}

const failed = (checks: { check: string; passed: boolean }[]) => checks.filter((c) => !c.passed).map((c) => c.check);

describe("distribution authority", () => {
  it("holds when active, licensed, unexpired and appointed in the state for the line on the day", async () => {
    const p = newPrincipal();
    const { producer } = await appointedProducer(p);
    const authority = unwrap(await producersInternal.authorityFor(p.orgId, producer.id, { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(100) }));
    expect(authority).toMatchObject({ producerId: producer.id, state: "CA", lineOfBusiness: "GL", authorized: true });
    expect(authority.checks.map((c) => [c.check, c.passed])).toEqual([["status", true], ["license", true], ["expiry", true], ["appointment", true]]);
  });

  it.each([
    ["no license in the state", { state: "TX", lineOfBusiness: "GL", effectiveDate: testDay(10) }, ["license", "expiry", "appointment"]],
    ["a license, not for the line", { state: "CA", lineOfBusiness: "PROP", effectiveDate: testDay(10) }, ["license", "expiry", "appointment"]],
    ["a license expired on the effective date", { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(101) }, ["expiry"]],
    ["an appointment not yet active on the effective date", { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(-1) }, ["appointment"]],
  ] as const)("fails with %s", async (_label, request, expected) => {
    const p = newPrincipal();
    const { producer } = await appointedProducer(p);
    const authority = unwrap(await producersInternal.authorityFor(p.orgId, producer.id, request));
    expect(authority.authorized).toBe(false);
    expect(failed(authority.checks)).toEqual(expected);
  });

  it("fails the appointment while it is pending or once terminated, naming its status", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p, { licenses: [{ state: "CA", lines: ["GL"], number: "0H1", expiresOn: testDay(100) }] });
    const request = { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(5) } as const;
    expect(failed(unwrap(await producersInternal.authorityFor(p.orgId, producer.id, request)).checks)).toEqual(["appointment"]);
    const appt = unwrap(await producersRpc.createAppointment(p, producer.id, { carrier: "Summit Mutual", state: "CA", lines: ["GL"] }));
    const pending = unwrap(await producersInternal.authorityFor(p.orgId, producer.id, request));
    expect(pending.checks.find((c) => c.check === "appointment")).toMatchObject({ passed: false, message: expect.stringContaining("Summit Mutual: pending") });
    unwrap(await producersRpc.updateAppointment(p, producer.id, appt.id, { status: "active" }));
    expect(unwrap(await producersInternal.authorityFor(p.orgId, producer.id, request)).authorized).toBe(true);
    unwrap(await producersRpc.updateAppointment(p, producer.id, appt.id, { status: "terminated" }));
    expect(failed(unwrap(await producersInternal.authorityFor(p.orgId, producer.id, request)).checks)).toEqual(["appointment"]);
  });

  it.each(["suspended", "terminated"] as const)("fails the status of a %s producer", async (status) => {
    const p = newPrincipal();
    const { producer } = await appointedProducer(p);
    unwrap(await producersRpc.updateProducer(p, producer.id, { status }));
    const authority = unwrap(await producersInternal.authorityFor(p.orgId, producer.id, { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(1) }));
    expect(failed(authority.checks)).toEqual(["status"]);
    expect(authority.checks[0]!.message).toContain(status);
  });

  it("answers not_found for another org's producer", async () => {
    const p = newPrincipal();
    const { producer } = await appointedProducer(p);
    expect(errorOf(await producersInternal.authorityFor(newId("org"), producer.id, { state: "CA", lineOfBusiness: "GL", effectiveDate: testDay(1) })).code).toBe("not_found");
  });
});

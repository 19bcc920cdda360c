import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { TEST_TODAY } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { newProducer, producersRpc } from "./harness.ts";

const appointment = { carrier: "Summit Mutual", state: "CA", lines: ["GL"] } as const;

describe("appointments", () => {
  it("starts pending, activates and terminates with the org's dates", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p);
    const made = unwrap(await producersRpc.createAppointment(p, producer.id, { ...appointment, lines: ["GL"] }));
    expect(made).toMatchObject({ producerId: producer.id, status: "pending", requestedOn: TEST_TODAY, activatedOn: null, terminatedOn: null });
    expect(made.id).toMatch(/^apt_/);
    const active = unwrap(await producersRpc.updateAppointment(p, producer.id, made.id, { status: "active" }));
    expect(active).toMatchObject({ status: "active", activatedOn: TEST_TODAY, terminatedOn: null });
    const ended = unwrap(await producersRpc.updateAppointment(p, producer.id, made.id, { status: "terminated" }));
    expect(ended).toMatchObject({ status: "terminated", activatedOn: TEST_TODAY, terminatedOn: TEST_TODAY });
    expect(unwrap(await producersRpc.listAppointments(p, producer.id)).data).toEqual([ended]);
  });

  it("refuses moves outside pending → active → terminated with 422 naming both ends", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p);
    const made = unwrap(await producersRpc.createAppointment(p, producer.id, { ...appointment, lines: ["GL"] }));
    unwrap(await producersRpc.updateAppointment(p, producer.id, made.id, { status: "terminated" }));
    for (const status of ["active", "terminated"] as const) {
      expect(errorOf(await producersRpc.updateAppointment(p, producer.id, made.id, { status }))).toMatchObject({ code: "invalid_state_transition", details: { from: "terminated", to: status } });
    }
    const other = unwrap(await producersRpc.createAppointment(p, producer.id, { ...appointment, lines: ["GL"] }));
    unwrap(await producersRpc.updateAppointment(p, producer.id, other.id, { status: "active" }));
    expect(errorOf(await producersRpc.updateAppointment(p, producer.id, other.id, { status: "active" }))).toMatchObject({ code: "invalid_state_transition", details: { from: "active" } });
    expect(errorOf(await producersRpc.updateAppointment(p, producer.id, other.id, { status: "pending" as never })).code).toBe("validation_failed");
  });

  it("of two racing activations exactly one commits", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p);
    const made = unwrap(await producersRpc.createAppointment(p, producer.id, { ...appointment, lines: ["GL"] }));
    const results = await Promise.all([0, 1].map(() => producersRpc.updateAppointment(p, producer.id, made.id, { status: "active" })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it("is confined to the org, the producer, and a producer that is not terminated", async () => {
    const p = newPrincipal();
    const producer = await newProducer(p);
    const made = unwrap(await producersRpc.createAppointment(p, producer.id, { ...appointment, lines: ["GL"] }));
    const stranger = newPrincipal();
    expect(errorOf(await producersRpc.listAppointments(stranger, producer.id)).code).toBe("not_found");
    expect(errorOf(await producersRpc.createAppointment(stranger, producer.id, { ...appointment, lines: ["GL"] })).code).toBe("not_found");
    expect(errorOf(await producersRpc.updateAppointment(stranger, producer.id, made.id, { status: "active" })).code).toBe("not_found");
    const sibling = await newProducer(p);
    expect(errorOf(await producersRpc.updateAppointment(p, sibling.id, made.id, { status: "active" })).code).toBe("not_found");
    expect(errorOf(await producersRpc.updateAppointment(p, producer.id, newId("apt"), { status: "active" })).code).toBe("not_found");
    unwrap(await producersRpc.updateProducer(p, sibling.id, { status: "terminated" }));
    expect(errorOf(await producersRpc.createAppointment(p, sibling.id, { ...appointment, lines: ["GL"] })).code).toBe("invalid_state_transition");
    expect(errorOf(await producersRpc.createAppointment(p, producer.id, { carrier: "X", state: "ZZ" as never, lines: ["GL"] }))).toMatchObject({ details: { field: "state" } });
  });
});

import { describe, expect, it } from "vitest";
import { testDay } from "../support/clock.ts";
import { newPrincipal } from "../support/principals.ts";
import { unwrap } from "../support/results.ts";
import { newProducer, producersRpc } from "./harness.ts";

describe("producers: list", () => {
  it("searches name, email, NPN and agency, filters status, state and line, and pages by cursor", async () => {
    const p = newPrincipal();
    const a = await newProducer(p, { name: "Acme Brokerage", email: "ops@acme.example", npn: "111222", agency: "Acme Group", licenses: [{ state: "TX", lines: ["CA"], number: "T1", expiresOn: testDay(100) }] });
    const b = await newProducer(p, { name: "Blue Sky Agents", email: "hi@bluesky.example", npn: "333444", agency: "100%_Sky", licenses: [{ state: "CA", lines: ["GL"], number: "C1", expiresOn: testDay(100) }] });
    const c = await newProducer(p, { name: "Coastal Risk", email: "team@coastal.example", npn: "555666", status: "suspended", licenses: [{ state: "TX", lines: ["GL", "PROP"], number: "T2", expiresOn: testDay(100) }] });
    await newProducer(newPrincipal(), { name: "Acme Elsewhere" });
    const ids = async (query: Parameters<typeof producersRpc.listProducers>[1]) => unwrap(await producersRpc.listProducers(p, query)).data.map((x) => x.id);

    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ search: "acme" })).toEqual([a.id]);
    expect(await ids({ search: "BLUESKY.example" })).toEqual([b.id]);
    expect(await ids({ search: "5556" })).toEqual([c.id]);
    expect(await ids({ search: "group" })).toEqual([a.id]);
    // LIKE's wildcards in the term are literal.
    expect(await ids({ search: "100%_" })).toEqual([b.id]);
    expect(await ids({ search: "%" })).toEqual([b.id]);
    expect(await ids({ status: "suspended" })).toEqual([c.id]);
    expect(await ids({ state: "TX" })).toEqual([c.id, a.id]);
    expect(await ids({ line: "GL" })).toEqual([c.id, b.id]);
    expect(await ids({ state: "TX", line: "GL" })).toEqual([c.id]);
    expect(await ids({ state: "CA", line: "PROP" })).toEqual([]);

    const first = unwrap(await producersRpc.listProducers(p, { limit: 2 }));
    expect(first.data.map((x) => x.id)).toEqual([c.id, b.id]);
    const second = unwrap(await producersRpc.listProducers(p, { limit: 2, cursor: first.nextCursor! }));
    expect(second).toMatchObject({ data: [{ id: a.id }], nextCursor: null });
  });
});

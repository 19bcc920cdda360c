/**
 * GET /v1/claims/:id costs one D1 round trip (a batch of five selects) however long the claim's
 * history: counted on a wrapper of the worker's own database.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { getClaim } from "../../workers/claims/src/claims.service.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { claimsRpc, filedClaim } from "./harness.ts";

/** `db` with every round trip counted: a batch, or one statement run on its own. */
function counted(db: D1Database) {
  const trips = { count: 0 };
  const statement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => statement(target.bind(...args));
        if (prop === "all" || prop === "first" || prop === "run" || prop === "raw") {
          return (...args: unknown[]) => {
            trips.count += 1;
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return Reflect.get(target, prop, target);
      },
    });
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => statement(target.prepare(query));
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          trips.count += 1;
          return target.batch(statements);
        };
      }
      return Reflect.get(target, prop, target);
    },
  });
  return { trips, deps: { db: drizzle(wrapped), underwriting: { policyForClaim: () => Promise.reject(new Error("unused")) }, identity: { member: () => Promise.reject(new Error("unused")) } } };
}

describe("a claim's detail", () => {
  it("is one round trip with three entries of history or sixty", async () => {
    const { principal, claim } = await filedClaim();
    const short = counted(env.CLAIMS_DB);
    unwrap(await getClaim(short.deps, principal, claim.id));
    expect(short.trips.count).toBe(1);

    unwrap(await claimsRpc.setReserves(principal, claim.id, { expense: 10_000, reason: "estimate" }));
    for (let i = 0; i < 30; i++) unwrap(await claimsRpc.createPayment(principal, claim.id, { costType: "expense", amount: 100, payee: `vendor ${i}` }));
    const long = counted(env.CLAIMS_DB);
    const detail = unwrap(await getClaim(long.deps, principal, claim.id));
    expect(detail.payments).toHaveLength(30);
    expect(detail.reserves).toHaveLength(31);
    expect(detail.activity).toHaveLength(32);
    expect(long.trips.count).toBe(1);

    const missing = counted(env.CLAIMS_DB);
    expect(errorOf(await getClaim(missing.deps, principal, "clm_unknown")).code).toBe("not_found");
    expect(missing.trips.count).toBe(1);
  });
});

/**
 * Distribution authority: may this producer sell this line in this state on this day? Four checks,
 * each reported with whether it held, so a refusal says exactly what failed:
 * - `status`: the producer is active;
 * - `license`: it holds a license in the state covering the line;
 * - `expiry`: that license has not expired on the day (`expiresOn` is the last valid day);
 * - `appointment`: an active appointment in the state covers the line, activated on or before the day.
 */
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { notFound, ok, type Result } from "#shared/errors";
import type { AuthorityCheck, AuthorityRequest, ProducerAuthority } from "#shared/rpc";
import { appointmentsIn, findProducer } from "./producers.repo.ts";

export async function authorityFor(db: DrizzleD1Database, orgId: string, producerId: string, request: AuthorityRequest): Promise<Result<ProducerAuthority>> {
  const producer = await findProducer(db, orgId, producerId);
  if (!producer) return notFound("Producer");
  const { state, lineOfBusiness: line, effectiveDate: day } = request;
  const license = producer.licenses.find((l) => l.state === state && l.lines.includes(line));
  const appointed = (await appointmentsIn(db, orgId, producerId, state)).filter((a) => a.lines.includes(line));
  const active = appointed.find((a) => a.status === "active" && a.activatedOn !== null && a.activatedOn <= day);
  const checks: AuthorityCheck[] = [
    {
      check: "status",
      passed: producer.status === "active",
      message: producer.status === "active" ? "The producer is active" : `The producer is ${producer.status}`,
    },
    {
      check: "license",
      passed: license !== undefined,
      message: license ? `Licensed in ${state} for ${line} (${license.number})` : `No license in ${state} for ${line}`,
    },
    {
      check: "expiry",
      passed: license !== undefined && license.expiresOn >= day,
      message: !license ? `No ${state} license for ${line} to be in force on ${day}` : license.expiresOn >= day ? `The ${state} license is valid through ${license.expiresOn}` : `The ${state} license expired on ${license.expiresOn}, before ${day}`,
    },
    {
      check: "appointment",
      passed: active !== undefined,
      message: active
        ? `Appointed by ${active.carrier} in ${state} for ${line} since ${active.activatedOn}`
        : appointed.length
          ? `No active appointment in ${state} for ${line} on ${day} (${appointed.map((a) => `${a.carrier}: ${a.status}`).join(", ")})`
          : `Not appointed in ${state} for ${line}`,
    },
  ];
  return ok({ producerId, producerName: producer.name, state, lineOfBusiness: line, effectiveDate: day, authorized: checks.every((c) => c.passed), checks });
}

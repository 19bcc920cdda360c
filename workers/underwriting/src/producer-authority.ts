/**
 * Distribution authority at quote and bind (issue 14): a submission naming a producer is judged by
 * the producers worker (`ProducersInternal.authorityFor`) for the risk's state and line on the
 * effective date. The quote shows the answer; bind refuses unless every check holds.
 */
import { fail, ok, type Result } from "#shared/errors";
import type { ProducerAuthority, ProducersInternalRpc } from "#shared/rpc";
import type { SubmissionRow } from "./schema.ts";

type Judged = Pick<SubmissionRow, "producerId" | "state" | "lineOfBusiness" | "effectiveDate">;

/** The producer named by `producerId` is not the org's: the 404 names the field. */
const unknownProducer = () => fail("not_found", "Producer not found", { field: "producerId" });

/** The producer's authority for the submission; null when it names none; `not_found` (field `producerId`) when the org has no such producer. */
export async function producerAuthority(producers: Service<ProducersInternalRpc>, orgId: string, sub: Judged): Promise<Result<ProducerAuthority | null>> {
  if (!sub.producerId) return ok(null);
  const judged = await producers.authorityFor(orgId, sub.producerId, { state: sub.state, lineOfBusiness: sub.lineOfBusiness, effectiveDate: sub.effectiveDate });
  if (!judged.ok) return judged.error.code === "not_found" ? unknownProducer() : judged;
  return ok(judged.value);
}

/** A submission created naming a producer must name one of the org's. */
export async function knownProducer(producers: Service<ProducersInternalRpc>, orgId: string, sub: Partial<Judged>): Promise<Result<null>> {
  if (!sub.producerId) return ok(null);
  if (!sub.state || !sub.lineOfBusiness || !sub.effectiveDate) return ok(null);
  const judged = await producerAuthority(producers, orgId, sub as Judged);
  return judged.ok ? ok(null) : judged;
}

/** Bind's gate: `producer_not_authorized` naming the failed checks, unless the producer is authorized (or none is named). */
export async function producerGate(producers: Service<ProducersInternalRpc>, orgId: string, sub: Judged): Promise<Result<null>> {
  const judged = await producerAuthority(producers, orgId, sub);
  if (!judged.ok) return judged;
  const authority = judged.value;
  if (!authority || authority.authorized) return ok(null);
  const failed = authority.checks.filter((c) => !c.passed);
  return fail(
    "producer_not_authorized",
    `${authority.producerName} may not bind ${authority.lineOfBusiness} in ${authority.state} on ${authority.effectiveDate}: ${failed.map((c) => c.message).join("; ")}`,
    {
      producerId: authority.producerId,
      state: authority.state,
      lineOfBusiness: authority.lineOfBusiness,
      effectiveDate: authority.effectiveDate,
      failed: failed.map((c) => c.check),
      checks: authority.checks.map((c) => ({ check: c.check, passed: c.passed, message: c.message })),
    },
  );
}

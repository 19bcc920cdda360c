/**
 * Email for an org, queued by another worker (`IdentityInternal.queueEmail`): billing's notice of
 * pending cancellation, the portal's messages to policyholders, any later notice. Every email the
 * platform sends goes through the one outbox (`outbox_emails`), which the sandbox email log reads.
 * The caller names the org (it is trusted: only workers the registry binds reach the internal
 * entrypoint); the org must exist. One row per call: a caller that must not send twice keeps its own
 * record of what it queued. The row is then handed to the email queue (./email-relay.ts), which
 * carries it to the workspace worker's connector log and to the provider.
 */
import { fail, notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { QueueEmailRequest, QueuedEmail } from "#shared/rpc";
import type { IdentityDeps } from "./deps.ts";
import { findOrgById } from "./orgs.repo.ts";
import { relayEmail } from "./email-relay.ts";
import { insertOutboxEmail } from "./outbox.repo.ts";
import { requireEmail, requireText } from "./validation.ts";

/** An email kind: what triggered it, snake_case (`verification_code`, `pending_cancellation_notice`, …). */
const KIND = /^[a-z][a-z0-9_]{0,63}$/;

export const MAX_SUBJECT_CHARS = 200;
export const MAX_BODY_CHARS = 20_000;

export async function queueEmail(deps: IdentityDeps, request: QueueEmailRequest): Promise<Result<QueuedEmail>> {
  if (typeof request?.orgId !== "string" || request.orgId === "") return fail("validation_failed", "orgId is required", { field: "orgId", rule: "required" });
  const to = requireEmail(request.to, "to");
  if (!to.ok) return to;
  const subject = requireText(request.subject, "subject", MAX_SUBJECT_CHARS);
  if (!subject.ok) return subject;
  const body = requireText(request.body, "body", MAX_BODY_CHARS);
  if (!body.ok) return body;
  if (typeof request.kind !== "string" || !KIND.test(request.kind)) {
    return fail("validation_failed", "kind must be snake_case, at most 64 characters", { field: "kind", rule: "format" });
  }
  if (request.template !== undefined && (typeof request.template !== "string" || !KIND.test(request.template))) {
    return fail("validation_failed", "template must be a template's name", { field: "template", rule: "format" });
  }
  if (request.sentBy !== undefined && (typeof request.sentBy !== "string" || request.sentBy.length === 0 || request.sentBy.length > 64)) {
    return fail("validation_failed", "sentBy must be an actor id", { field: "sentBy", rule: "format" });
  }
  let deliveryBody: string | undefined;
  if (request.deliveryBody !== undefined) {
    const full = requireText(request.deliveryBody, "deliveryBody", MAX_BODY_CHARS);
    if (!full.ok) return full;
    deliveryBody = full.value;
  }
  if (!(await findOrgById(deps.db, request.orgId))) return notFound("Org");
  const row = {
    id: newId("eml"),
    orgId: request.orgId,
    toAddress: to.value,
    subject: subject.value,
    body: body.value,
    kind: request.kind,
    template: request.template ?? null,
    sentBy: request.sentBy ?? null,
    createdAt: new Date().toISOString(),
  };
  await insertOutboxEmail(deps.db, row);
  await relayEmail(deps.db, deps.env.EMAIL_QUEUE, row, deliveryBody);
  return ok({ id: row.id, to: row.toAddress, kind: row.kind, createdAt: row.createdAt });
}

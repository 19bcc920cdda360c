/**
 * The partners worker's queues. `openinsure-partners-events`: underwriting's events (its outbox
 * relay sends every event here too; a Cloudflare queue has one consumer worker). Each message is
 * acked or retried on its own: `submission.created` attributes the new submission (its referral code,
 * or touches already reported for it); a policy event accrues the attributed partner's commission
 * (commissions.service.ts). Both are idempotent, so a redelivery writes nothing new.
 * `openinsure-partner-clicks`: the click router's clicks (clicks.ts). A message that failed ten times
 * waits on `openinsure-partners-dlq` for an operator; nothing is lost meanwhile, since a policy's next
 * event re-reads its whole timeline (and computes a missing attribution) and clicks insert by id.
 */
import type { EventEnvelope } from "#shared/events";
import { errorRetryDelay, eventSourceOf, parseEventMessage, type EventMessage } from "#shared/event-consumer";
import { attributeSubmission } from "./attribution.service.ts";
import { handleClickBatch } from "./clicks.ts";
import { accrueFromEvent, POLICY_EVENTS } from "./commissions.service.ts";
import { database } from "./database.ts";
import type { PartnersEnv } from "./env.ts";

export const CLICKS_QUEUE = "openinsure-partner-clicks";
/** Attempts to find an event at its source before giving up on it (read-after-write lag). */
const MISSING_EVENT_ATTEMPTS = 3;

export async function handleQueue(batch: MessageBatch<unknown>, env: PartnersEnv): Promise<void> {
  if (batch.queue === CLICKS_QUEUE) return handleClickBatch(batch, env.PARTNERS_DB);
  const bySource = new Map<string, { msg: Message<unknown>; body: EventMessage }[]>();
  for (const msg of batch.messages) {
    const body = parseEventMessage(msg.body);
    if (!body) {
      msg.ack();
      continue;
    }
    bySource.set(body.source, [...(bySource.get(body.source) ?? []), { msg, body }]);
  }
  await Promise.all(
    [...bySource].map(async ([source, group]) => {
      const rpc = eventSourceOf(env, source);
      if (!rpc) {
        for (const { msg } of group) msg.ack();
        return;
      }
      let envelopes: EventEnvelope[];
      try {
        envelopes = await rpc.readEvents([...new Set(group.map((m) => m.body.eventId))]);
      } catch (err) {
        console.error(`partners: reading ${group.length} events from ${source} failed; retrying them`, err);
        for (const { msg } of group) msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
        return;
      }
      const byId = new Map((Array.isArray(envelopes) ? envelopes : []).map((e) => [e.id, e]));
      // One policy's events in order (each reads the whole timeline); the rest in parallel.
      const byKey = new Map<string, { msg: Message<unknown>; body: EventMessage; envelope: EventEnvelope | undefined }[]>();
      for (const m of group) {
        const envelope = byId.get(m.body.eventId);
        const key = typeof envelope?.data.policyId === "string" ? envelope.data.policyId : m.body.eventId;
        byKey.set(key, [...(byKey.get(key) ?? []), { ...m, envelope }]);
      }
      await Promise.all([...byKey.values()].map(async (items) => {
        for (const item of items) await handleOne(env, item.msg, item.body, item.envelope);
      }));
    }),
  );
}

async function handleOne(env: PartnersEnv, msg: Message<unknown>, body: EventMessage, envelope: EventEnvelope | undefined): Promise<void> {
  if (envelope === undefined) {
    if (msg.attempts < MISSING_EVENT_ATTEMPTS) msg.retry({ delaySeconds: 5 * msg.attempts });
    else {
      console.error(`partners: event ${body.eventId} not found at ${body.source} after ${msg.attempts} attempts; acked`);
      msg.ack();
    }
    return;
  }
  try {
    await handleEvent(env, envelope);
    msg.ack();
  } catch (err) {
    console.error(`partners: handling event ${envelope.id} (${envelope.type}) failed; retrying the message`, err);
    msg.retry({ delaySeconds: errorRetryDelay(msg.attempts) });
  }
}

/** One event's effect here; throws on an outage. */
export async function handleEvent(env: PartnersEnv, envelope: EventEnvelope): Promise<void> {
  const db = database(env);
  if (envelope.type === "submission.created" && typeof envelope.data.submissionId === "string") {
    const submission = await env.UNDERWRITING.submissionReferral(envelope.orgId, envelope.data.submissionId);
    if (!submission.ok) {
      if (submission.error.code === "not_found") return;
      throw new Error(`submissionReferral failed: ${submission.error.code}`);
    }
    await attributeSubmission(db, env.UNDERWRITING, envelope.orgId, submission.value);
    return;
  }
  if (POLICY_EVENTS.has(envelope.type) && typeof envelope.data.policyId === "string") {
    await accrueFromEvent(db, env.UNDERWRITING, envelope);
  }
}

/**
 * The public click router's worker side (`GET /r/{code}` in the gateway). Fast: the code's row (which
 * carries its partner's landing URL and status) from its own Durable Object, which holds it in memory
 * and is told when the partner is revoked (referral-link.do.ts), then the answer.
 * The click is recorded after the answer, and only when the client's per-IP limit admitted it (the
 * gateway counts the limit while the code is read, then hands the click back in its `waitUntil`):
 * a message with the click's own id goes on `openinsure-partner-clicks`, and this worker's consumer inserts each batch with
 * `ON CONFLICT (id) DO NOTHING`, so a redelivered message never counts twice and a lost send falls
 * back to a direct insert. Never the raw IP: the gateway hands over keyed hashes only.
 */
import { notFound, ok, type Result } from "#shared/errors";
import { newId } from "#shared/ids";
import type { ReferralClick, ReferralClickRecord, ReferralTarget, ResolvedReferralLink } from "#shared/rpc";
import { normalizeCode } from "./partners.service.ts";
import type { ReferralLinkRow } from "./referral-link.do.ts";

/** One click, as queued and as stored (built by {@link resolveLink}, handed back by the gateway to record). */
export type ClickMessage = ReferralClickRecord;

const MAX_REFERRER = 500;
const HASH = /^[0-9a-f]{64}$/;

/**
 * The code's landing page and the click to record, or `not_found` for an unknown or revoked code.
 * Nothing is recorded here: the gateway looks the code up while the client's limit is counted, and
 * records the click ({@link recordClicks}) only once both said yes.
 */
export async function resolveLink(lookup: (code: string) => Promise<ReferralLinkRow | null>, rawCode: string, click: ReferralClick, now: Date): Promise<Result<ResolvedReferralLink>> {
  const code = normalizeCode(rawCode);
  if (!code) return notFound("Referral link");
  const row = await lookup(code);
  if (!row || row.status !== "active") return notFound("Referral link");
  const location = new URL(row.landingUrl);
  location.searchParams.set("ref", code);
  return ok({
    location: location.href,
    click: {
      kind: "click",
      id: newId("clk"),
      code,
      orgId: row.orgId,
      partnerId: row.partnerId,
      clickedAt: now.toISOString(),
      referrer: typeof click.referrer === "string" && click.referrer !== "" ? click.referrer.slice(0, MAX_REFERRER) : null,
      ipHash: HASH.test(click.ipHash) ? click.ipHash : "0".repeat(64),
      userAgentHash: click.userAgentHash && HASH.test(click.userAgentHash) ? click.userAgentHash : null,
    },
  });
}

/** {@link resolveLink} and the click recorded after the answer (`record` is the caller's waitUntil). */
export async function followLink(
  lookup: (code: string) => Promise<ReferralLinkRow | null>,
  record: (message: ClickMessage) => void,
  rawCode: string,
  click: ReferralClick,
  now: Date,
): Promise<Result<ReferralTarget>> {
  const resolved = await resolveLink(lookup, rawCode, click, now);
  if (!resolved.ok) return resolved;
  record(resolved.value.click);
  return ok({ location: resolved.value.location, clickId: resolved.value.click.id });
}

/** Insert clicks by id, each at most once, in one D1 batch. */
export async function insertClicks(d1: D1Database, messages: ClickMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const insert = d1.prepare(
    "INSERT INTO clicks (id, code, org_id, partner_id, clicked_at, referrer, ip_hash, user_agent_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
  );
  await d1.batch(messages.map((m) => insert.bind(m.id, m.code, m.orgId, m.partnerId, m.clickedAt, m.referrer, m.ipHash, m.userAgentHash)));
}

/** Queue the clicks (at most 100, one batch); when the queue refuses them, insert them directly (still by id, once). */
export async function recordClicks(queue: Queue<ClickMessage>, d1: D1Database, messages: ClickMessage[]): Promise<void> {
  if (messages.length === 0) return;
  try {
    await queue.sendBatch(messages.map((body) => ({ body })));
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", message: "click queue send failed; inserting directly", count: messages.length, error: String(err) }));
    await insertClicks(d1, messages);
  }
}

/** Whether a queued body is a click (one whose insert then fails is retried, not dropped). */
export const isClick = (body: unknown): body is ClickMessage => {
  const m = body as Partial<ClickMessage> | null;
  return typeof m === "object" && m !== null && m.kind === "click" && typeof m.id === "string" && typeof m.code === "string" && typeof m.orgId === "string";
};

/** The clicks queue's consumer: one batch insert; the whole batch retried on a D1 failure (inserts are idempotent). */
export async function handleClickBatch(batch: MessageBatch<unknown>, d1: D1Database): Promise<void> {
  const clicks = batch.messages.filter((m) => isClick(m.body));
  for (const m of batch.messages) if (!isClick(m.body)) m.ack();
  try {
    await insertClicks(d1, clicks.map((m) => m.body as ClickMessage));
    for (const m of clicks) m.ack();
  } catch (err) {
    console.error(JSON.stringify({ level: "error", message: "recording clicks failed; retrying them", count: clicks.length, error: String(err) }));
    for (const m of clicks) m.retry({ delaySeconds: 5 });
  }
}

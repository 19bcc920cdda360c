import type { Context } from "hono";
import type { Principal } from "#shared/auth";
import { realClock } from "#shared/clock";
import { isDevelopment } from "#shared/environment";
import type { ApiCallsMeterAnswer } from "#shared/rpc";
import type { GatewayContext, GatewayEnv } from "../env.ts";
import { errorResponse } from "../http/errors.ts";

/**
 * `api_calls`: every request that authenticated with a credential of an org (an API key, a user or
 * partner JWT, an insured token, the API secret naming an org) counts once against the org's
 * monthly limit. Public routes, `/health`, `/openapi.json` and `/docs` are not counted, nor a
 * request refused before or at authentication, nor one refused by a rate limit or by this limit.
 *
 * No Durable Object round-trip on the hot path: each isolate tallies its requests per org and
 * flushes the tally to the org's UsageMeter (WorkspaceService.meterApiCalls) in the background
 * (`ctx.waitUntil`) once it holds {@link DEFAULT_BATCH} calls or its oldest call is
 * {@link DEFAULT_FLUSH_MS} old, whichever comes first (a timer flushes a tally no later request
 * completes). A flush that fails puts its calls back in the tally: nothing is lost but to an isolate
 * that dies holding a tally.
 *
 * The meter's answer (used, limit) is kept per isolate. Once the org's usage reached its limit,
 * its next requests through the isolate answer 403 `feature_limit_reached` (details
 * `{feature: "api_calls", limit, used}`, `upgradeUrl`) until the month rolls, the plan changes
 * through this gateway ({@link forgetApiCalls}), or {@link VERDICT_TTL_MS} passes (then one request
 * asks the meter again, synchronously, before it is admitted). An isolate whose own tally would
 * reach the limit it last heard of flushes synchronously before admitting more.
 *
 * Overshoot, bounded: beyond the limit the meter may count at most `batch × isolates serving the
 * org` calls (each isolate's tally not yet flushed, or admitted before its first answer; a plan
 * downgrade made elsewhere is learnt by each isolate at its next flush, within the same bound). The
 * other way, a plan upgrade made through another isolate lifts this isolate's refusal within
 * {@link VERDICT_TTL_MS}. The window a batch counts in is the month (on the org's clock) of its
 * flush. The system principal is counted but never refused: it must be able to change the plan.
 * Requests outside the contract's pipeline (a deal-room socket's upgrade, a download by its signed
 * token) are not counted.
 */

/** Calls an isolate tallies per org before flushing them (`API_CALLS_BATCH` overrides it). */
export const DEFAULT_BATCH = 100;
/** The longest a tallied call waits for its flush, ms (`API_CALLS_FLUSH_MS` overrides it). */
export const DEFAULT_FLUSH_MS = 5_000;
/** How long an isolate trusts an "exhausted" answer before asking the meter again, ms. Real time: machinery. */
export const VERDICT_TTL_MS = 60_000;

const MAX_TRACKED = 10_000;

interface Tally {
  /** Calls counted here and not yet sent to the meter. */
  pending: number;
  /** When the oldest pending call was counted (epoch ms); 0 with none pending. */
  since: number;
  /** A timer flush is scheduled. */
  timer: boolean;
  /** The meter's last answer, and until when (epoch ms) it is trusted. */
  answer: (ApiCallsMeterAnswer & { until: number }) | null;
}

const tallies = new Map<string, Tally>();

/** Forget what this isolate heard of the org's usage (its plan changed): its next request is judged afresh. Its uncounted calls stay. */
export function forgetApiCalls(orgId: string): void {
  const tally = tallies.get(orgId);
  if (tally) tally.answer = null;
}

interface Settings {
  batch: number;
  flushMs: number;
  /** Development and tests only (`API_CALLS_FLUSH_INLINE`): a full batch is flushed before its request answers, so counts are exact when the response arrives. */
  inline: boolean;
}

function settingsOf(env: GatewayEnv): Settings {
  const batch = Number(env.API_CALLS_BATCH);
  const flushMs = Number(env.API_CALLS_FLUSH_MS);
  return {
    batch: Number.isSafeInteger(batch) && batch >= 1 ? batch : DEFAULT_BATCH,
    flushMs: Number.isFinite(flushMs) && flushMs > 0 ? flushMs : DEFAULT_FLUSH_MS,
    inline: env.API_CALLS_FLUSH_INLINE === "true" && isDevelopment(env),
  };
}

function tallyOf(orgId: string): Tally {
  let tally = tallies.get(orgId);
  if (!tally) {
    // Bounded like the gateway's other per-org caches; dropping tallies would lose calls, so only idle ones go.
    if (tallies.size >= MAX_TRACKED) for (const [id, t] of tallies) if (t.pending === 0 && !t.timer) tallies.delete(id);
    tally = { pending: 0, since: 0, timer: false, answer: null };
    tallies.set(orgId, tally);
  }
  return tally;
}

/** Sends the org's pending calls (possibly none: a read) to its meter and keeps the answer. */
async function flush(env: GatewayEnv, orgId: string, tally: Tally): Promise<void> {
  const quantity = tally.pending;
  tally.pending = 0;
  tally.since = 0;
  let answer: ApiCallsMeterAnswer;
  try {
    answer = await env.WORKSPACE.meterApiCalls(orgId, quantity);
  } catch (error) {
    // Counted at the next flush instead: the calls happened.
    if (tally.pending === 0 && quantity > 0) tally.since = realClock.now().getTime();
    tally.pending += quantity;
    console.error(JSON.stringify({ level: "error", job: "api_calls_flush", orgId, quantity, message: String(error) }));
    return;
  }
  const now = realClock.now().getTime();
  tally.answer = { ...answer, until: now + Math.min(VERDICT_TTL_MS, answer.resetInMs) };
}

/** The background flush, so the request answers without waiting for the meter. */
function flushLater(c: Context<GatewayContext>, orgId: string, tally: Tally): void {
  c.executionCtx.waitUntil(flush(c.env, orgId, tally));
}

/** A timer that flushes whatever the org's tally holds once its oldest call is `flushMs` old. */
function scheduleFlush(c: Context<GatewayContext>, orgId: string, tally: Tally, flushMs: number): void {
  tally.timer = true;
  c.executionCtx.waitUntil(
    scheduler.wait(flushMs).then(async () => {
      tally.timer = false;
      if (tally.pending > 0) await flush(c.env, orgId, tally);
    }),
  );
}

const exhausted = (tally: Tally, now: number): boolean => tally.answer !== null && tally.answer.exhausted && tally.answer.until > now;

function limitReached(c: Context<GatewayContext>, answer: ApiCallsMeterAnswer): Response {
  const limit = answer.limit ?? 0;
  return errorResponse(c, "feature_limit_reached", `The plan's limit for api_calls is reached (used ${answer.used} of ${limit} this month); upgrade the plan to go on`, {
    feature: "api_calls",
    limit,
    used: answer.used,
    upgradeUrl: answer.upgradeUrl,
  });
}

/**
 * Counts one authenticated request of `principal`'s org, or answers 403 `feature_limit_reached`
 * when the org's `api_calls` are exhausted (the request is then not counted). Null: go on. Usually
 * synchronous work only; it awaits the meter only when this isolate's answer about the org expired
 * while exhausted, or its tally would reach the limit it last heard of.
 */
export async function meterApiCall(c: Context<GatewayContext>, principal: Principal): Promise<Response | null> {
  const orgId = principal.orgId;
  if (!orgId) return null;
  const settings = settingsOf(c.env);
  const tally = tallyOf(orgId);
  const now = realClock.now().getTime();
  const refusable = principal.kind !== "system";
  if (refusable && !exhausted(tally, now)) {
    const heard = tally.answer;
    const stale = heard !== null && heard.exhausted && heard.until <= now;
    const nearing = heard !== null && heard.limit !== null && !heard.exhausted && heard.used + tally.pending + 1 >= heard.limit;
    // Ask the meter before admitting: an expired refusal, or this call would reach the limit as last heard.
    if (stale || nearing) await flush(c.env, orgId, tally);
  }
  if (refusable && exhausted(tally, realClock.now().getTime())) return limitReached(c, tally.answer!);

  if (tally.pending === 0) tally.since = now;
  tally.pending++;
  if (tally.pending >= settings.batch || now - tally.since >= settings.flushMs) {
    if (settings.inline) await flush(c.env, orgId, tally);
    else flushLater(c, orgId, tally);
  } else if (!tally.timer && !settings.inline) {
    scheduleFlush(c, orgId, tally, settings.flushMs);
  }
  return null;
}

/** Requests an MCP tool call sends back through the gateway's pipeline: counted once, as their `/mcp` request. */
const dispatched = new WeakSet<Request>();

/** Marks a request the MCP server dispatches to an operation, so the operation does not count it again. */
export function markDispatched(request: Request): Request {
  dispatched.add(request);
  return request;
}

export const dispatchedByMcp = (request: Request): boolean => dispatched.has(request);

/**
 * Sends every tally of this isolate to the meters now and waits: tests only (imported by a test
 * running in the gateway's isolate), so a count can be read exactly. Production has no route to it.
 */
export async function flushApiCallsForTest(env: GatewayEnv): Promise<void> {
  await Promise.all([...tallies].filter(([, t]) => t.pending > 0).map(([orgId, t]) => flush(env, orgId, t)));
}

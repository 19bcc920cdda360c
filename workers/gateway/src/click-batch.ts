import type { ReferralClickRecord } from "#shared/rpc";
import type { GatewayEnv } from "./env.ts";

/** How long an isolate gathers answered clicks before sending them together. */
export const CLICK_BATCH_WINDOW_MS = 25;

/** A queue `sendBatch` takes at most 100 messages (256 KB; a click is well under 1 KB). */
export const CLICK_BATCH_MAX = 100;

type ClickEnv = Pick<GatewayEnv, "PARTNER_CLICKS" | "PARTNERS">;

/**
 * The clicks this isolate answered and has not yet queued. A click is handed over only after its
 * redirect was sent (`GET /r/{code}`), so gathering them costs the visitor nothing; what it saves is
 * a queue send per click: the click router's throughput was bounded by one `send` each.
 *
 * The first click of an empty batch holds its request open (`waitUntil`) until the window ends and
 * the batch is sent, so the clicks gathered behind it are sent within that request's lifetime; a
 * batch that fills up is sent at once by the request that filled it. If the queue refuses a batch,
 * the partners worker records it (queued again there, or inserted directly). Either way each click
 * counts once, by its own id.
 */
export class ClickBatch {
  private pending: ReferralClickRecord[] = [];

  constructor(
    private readonly windowMs = CLICK_BATCH_WINDOW_MS,
    private readonly max = CLICK_BATCH_MAX,
  ) {}

  add(env: ClickEnv, ctx: Pick<ExecutionContext, "waitUntil">, click: ReferralClickRecord): void {
    this.pending.push(click);
    if (this.pending.length >= this.max) ctx.waitUntil(this.flush(env));
    else if (this.pending.length === 1) ctx.waitUntil(new Promise((r) => setTimeout(r, this.windowMs)).then(() => this.flush(env)));
  }

  /** Send what is gathered (nothing when another request already sent it). */
  async flush(env: ClickEnv): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      await env.PARTNER_CLICKS.sendBatch(batch.map((body) => ({ body })));
    } catch (err) {
      console.error(JSON.stringify({ level: "warn", message: "click batch send failed; handing it to the partners worker", count: batch.length, error: String(err) }));
      await env.PARTNERS.recordClicks(batch);
    }
  }
}

/** The isolate's batch. */
export const clickBatch = new ClickBatch();

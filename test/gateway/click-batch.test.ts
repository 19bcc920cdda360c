/**
 * The gateway's click batch (click-batch.ts): the clicks an isolate answered, sent to the click queue
 * together. Against stand-ins of the queue and the partners worker, so a refusal can be staged; the
 * real path (a burst of clicks through `GET /r/:code`, each counted once) is in partners.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { ReferralClickRecord } from "#shared/rpc";
import { ClickBatch } from "../../workers/gateway/src/click-batch.ts";

const clickOf = (n: number): ReferralClickRecord => ({
  kind: "click",
  id: `clk_${String(n).padStart(26, "0")}`,
  code: "PAYROLL1",
  orgId: "org_1",
  partnerId: "prt_1",
  clickedAt: "2026-12-04T12:00:00.000Z",
  referrer: null,
  ipHash: "a".repeat(64),
  userAgentHash: null,
});

/** A queue and a partners worker that record what reaches them, and a context whose waitUntil is awaited. */
function standIns(refuse = false) {
  const sent: ReferralClickRecord[][] = [];
  const handedOver: ReferralClickRecord[][] = [];
  const held: Promise<unknown>[] = [];
  const env = {
    PARTNER_CLICKS: {
      sendBatch: async (messages: { body: ReferralClickRecord }[]) => {
        if (refuse) throw new Error("queue unavailable");
        sent.push(messages.map((m) => m.body));
      },
    },
    PARTNERS: { recordClicks: async (clicks: ReferralClickRecord[]) => void handedOver.push(clicks) },
  } as never;
  const ctx = { waitUntil: (p: Promise<unknown>) => void held.push(p) };
  return { env, ctx, sent, handedOver, settle: () => Promise.all(held) };
}

describe("the click batch", () => {
  it("sends the clicks of one window as one batch, held open by the first click's request", async () => {
    const s = standIns();
    const batch = new ClickBatch(20, 100);
    for (let i = 0; i < 7; i++) batch.add(s.env, s.ctx, clickOf(i));
    expect(s.sent).toEqual([]);
    await s.settle();
    expect(s.sent).toEqual([Array.from({ length: 7 }, (_, i) => clickOf(i))]);
    // The next window is a batch of its own.
    batch.add(s.env, s.ctx, clickOf(7));
    await s.settle();
    expect(s.sent.map((b) => b.length)).toEqual([7, 1]);
  });

  it("sends a full batch at once, and never a click twice or not at all", async () => {
    const s = standIns();
    const batch = new ClickBatch(20, 10);
    for (let i = 0; i < 25; i++) batch.add(s.env, s.ctx, clickOf(i));
    // Two full batches went without waiting for the window.
    expect(s.sent.map((b) => b.length)).toEqual([10, 10]);
    await s.settle();
    expect(s.sent.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(s.sent.flat().map((c) => c.id)).toEqual(Array.from({ length: 25 }, (_, i) => clickOf(i).id));
  });

  it("hands a batch the queue refused to the partners worker", async () => {
    const s = standIns(true);
    const batch = new ClickBatch(5, 100);
    for (let i = 0; i < 3; i++) batch.add(s.env, s.ctx, clickOf(i));
    await s.settle();
    expect(s.sent).toEqual([]);
    expect(s.handedOver).toEqual([[clickOf(0), clickOf(1), clickOf(2)]]);
  });
});

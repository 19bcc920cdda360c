/**
 * One task at a time per key within this isolate: the PDF renderer (pdf/render.ts) and a year's
 * certificate numbers (certificates.service.ts).
 *
 * A waiter polls on its own timer and never awaits a promise another request resolves: in workerd a
 * continuation resolved from another request runs in that request's context, so what the waiter did
 * next (a render's timers) would die with the other request, and a request whose only pending work
 * is another request's promise is cancelled as hung. To poll without spinning, a waiter sleeps until
 * the holder is expected to finish (the moving average of recent tasks' durations), then checks
 * every {@link POLL_MS}. A holder silent for {@link Turns.leaseMs} (its request was cancelled
 * mid-task, so it never reached its `finally`) is presumed gone.
 *
 * Leases are on real time, never an org's sandbox clock.
 */

/** How often a waiter checks once the holder is due to have finished. */
const POLL_MS = 2;
/** The longest a waiter sleeps between checks, whatever tasks have taken. */
const MAX_SLEEP_MS = 250;

export class Turns {
  private readonly held = new Map<string, number>();
  /** Moving average of how long a task has held its turn, in ms. */
  private typicalMs = 0;

  constructor(
    /** A holder silent this long (its request died mid-task) is presumed gone. */
    readonly leaseMs: number,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    for (let since = this.held.get(key); since !== undefined && Date.now() - since < this.leaseMs; since = this.held.get(key)) {
      const dueIn = since + this.typicalMs - Date.now();
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_SLEEP_MS, Math.max(POLL_MS, dueIn))));
    }
    const mine = Date.now();
    this.held.set(key, mine);
    try {
      return await task();
    } finally {
      if (this.held.get(key) === mine) this.held.delete(key);
      this.typicalMs = this.typicalMs === 0 ? Date.now() - mine : 0.8 * this.typicalMs + 0.2 * (Date.now() - mine);
    }
  }
}

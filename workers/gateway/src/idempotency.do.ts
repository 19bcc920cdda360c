import { DurableObject } from "cloudflare:workers";

/** How long a completed response replays (DECISIONS.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A request that neither completed, released nor renewed its lease within this long is presumed dead.
 * A live request renews it every {@link LEASE_RENEW_MS} (middleware/idempotency.ts), so only a
 * request whose isolate died loses its key.
 */
export const IN_FLIGHT_LEASE_MS = 60 * 1000;
/** How often a running request renews its lease: three chances before the lease would lapse. */
export const LEASE_RENEW_MS = IN_FLIGHT_LEASE_MS / 3;

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string;
}

type KeyRecord =
  | { state: "in_flight"; fingerprint: string; attempt: string; leaseUntil: number }
  | { state: "completed"; fingerprint: string; response: StoredResponse; expiresAt: number };

export type BeginOutcome =
  | { kind: "proceed"; attempt: string }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_flight" }
  | { kind: "mismatch" };

/**
 * One object per (org, credential, Idempotency-Key). Calls run one at a time, so of any number
 * of concurrent first requests exactly one is told to proceed; the rest see it in flight, and
 * once it completes they replay its response byte for byte.
 *
 * Each `proceed` is an attempt with its own id (a fencing token) and a lease with a deadline; the
 * running request renews the lease, and only that attempt may renew, complete or release the
 * record. So while the request lives a duplicate gets 409; once its lease lapses (its isolate died)
 * an alarm set for the deadline clears the record and a retry may run; and if the first request
 * was in fact still running, its late completion is refused and cannot overwrite or free what the
 * retry holds. The alarm removes only a record that is due, never a newer one.
 */
export class IdempotencyStore extends DurableObject {
  async begin(fingerprint: string): Promise<BeginOutcome> {
    const now = Date.now();
    const record = this.live(now);
    if (record?.state === "completed") {
      return record.fingerprint === fingerprint ? { kind: "replay", response: record.response } : { kind: "mismatch" };
    }
    if (record?.state === "in_flight") {
      return record.fingerprint === fingerprint ? { kind: "in_flight" } : { kind: "mismatch" };
    }
    const attempt = crypto.randomUUID();
    const leaseUntil = now + IN_FLIGHT_LEASE_MS;
    this.ctx.storage.kv.put<KeyRecord>("record", { state: "in_flight", fingerprint, attempt, leaseUntil });
    // The in-flight record expires by alarm, not only when someone next asks for the key.
    await this.ctx.storage.setAlarm(leaseUntil);
    return { kind: "proceed", attempt };
  }

  /**
   * Extend `attempt`'s lease by another {@link IN_FLIGHT_LEASE_MS}. Answers false when the attempt
   * no longer holds the key (its lease lapsed and the record was cleared or taken over).
   */
  async renew(attempt: string): Promise<boolean> {
    const record = this.live(Date.now());
    if (record?.state !== "in_flight" || record.attempt !== attempt) return false;
    const leaseUntil = Date.now() + IN_FLIGHT_LEASE_MS;
    this.ctx.storage.kv.put<KeyRecord>("record", { ...record, leaseUntil });
    await this.ctx.storage.setAlarm(leaseUntil);
    return true;
  }

  /**
   * Store the outcome of `attempt` for replay. Responses of 500 and above are not kept, so a retry
   * runs afresh. Answers false when the attempt no longer holds the key (its lease ran out).
   */
  async complete(attempt: string, response: StoredResponse): Promise<boolean> {
    // A lapsed lease is lost even before the alarm clears it: the key may be taken over any moment.
    const record = this.live(Date.now());
    if (record?.state !== "in_flight" || record.attempt !== attempt) return false;
    if (response.status >= 500) {
      this.ctx.storage.kv.delete("record");
      return true;
    }
    const expiresAt = Date.now() + IDEMPOTENCY_TTL_MS;
    this.ctx.storage.kv.put<KeyRecord>("record", { state: "completed", fingerprint: record.fingerprint, response, expiresAt });
    await this.ctx.storage.setAlarm(expiresAt);
    return true;
  }

  /** `attempt` failed before producing a response worth keeping: free the key (if it still holds it). */
  release(attempt: string): void {
    const record = this.ctx.storage.kv.get<KeyRecord>("record");
    if (record?.state === "in_flight" && record.attempt === attempt) this.ctx.storage.kv.delete("record");
  }

  /** Clears the record once it is due; a record written since the alarm was set keeps its own time. */
  override async alarm(): Promise<void> {
    const record = this.ctx.storage.kv.get<KeyRecord>("record");
    if (!record) return;
    if (!this.live(Date.now())) {
      await this.ctx.storage.deleteAll();
      return;
    }
    await this.ctx.storage.setAlarm(record.state === "completed" ? record.expiresAt : record.leaseUntil);
  }

  /** The record, unless it has expired (a completed one past 24 h, an in-flight one past its lease). */
  private live(now: number): KeyRecord | undefined {
    const record = this.ctx.storage.kv.get<KeyRecord>("record");
    if (record?.state === "completed" && record.expiresAt <= now) return undefined;
    if (record?.state === "in_flight" && record.leaseUntil <= now) return undefined;
    return record;
  }
}

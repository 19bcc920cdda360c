import { DurableObject } from "cloudflare:workers";

/** How long a completed response replays (DECISIONS.md: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request that neither completed nor released within this lease is presumed dead. */
export const IN_FLIGHT_LEASE_MS = 60 * 1000;

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
 * Each `proceed` is an attempt with its own id, and only that attempt may complete or release
 * the record: a request that outlived its lease (and was taken over by a retry) cannot overwrite
 * or free what the retry holds. The alarm removes only a record that is due, never a newer one.
 */
export class IdempotencyStore extends DurableObject {
  begin(fingerprint: string): BeginOutcome {
    const now = Date.now();
    const record = this.live(now);
    if (record?.state === "completed") {
      return record.fingerprint === fingerprint ? { kind: "replay", response: record.response } : { kind: "mismatch" };
    }
    if (record?.state === "in_flight") {
      return record.fingerprint === fingerprint ? { kind: "in_flight" } : { kind: "mismatch" };
    }
    const attempt = crypto.randomUUID();
    this.ctx.storage.kv.put<KeyRecord>("record", { state: "in_flight", fingerprint, attempt, leaseUntil: now + IN_FLIGHT_LEASE_MS });
    return { kind: "proceed", attempt };
  }

  /**
   * Store the outcome of `attempt` for replay. Responses of 500 and above are not kept, so a retry
   * runs afresh. Answers false when the attempt no longer holds the key (its lease ran out).
   */
  async complete(attempt: string, response: StoredResponse): Promise<boolean> {
    const record = this.ctx.storage.kv.get<KeyRecord>("record");
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

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
  | { state: "in_flight"; fingerprint: string; leaseUntil: number }
  | { state: "completed"; fingerprint: string; response: StoredResponse; expiresAt: number };

export type BeginOutcome =
  | { kind: "proceed" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_flight" }
  | { kind: "mismatch" };

/**
 * One object per (org, credential, Idempotency-Key). Calls run one at a time, so of any number
 * of concurrent first requests exactly one is told to proceed; the rest see it in flight, and
 * once it completes they replay its response byte for byte.
 */
export class IdempotencyStore extends DurableObject {
  begin(fingerprint: string): BeginOutcome {
    const now = Date.now();
    const record = this.read(now);
    if (record?.state === "completed") {
      return record.fingerprint === fingerprint ? { kind: "replay", response: record.response } : { kind: "mismatch" };
    }
    if (record?.state === "in_flight" && record.leaseUntil > now) {
      return record.fingerprint === fingerprint ? { kind: "in_flight" } : { kind: "mismatch" };
    }
    this.ctx.storage.kv.put<KeyRecord>("record", { state: "in_flight", fingerprint, leaseUntil: now + IN_FLIGHT_LEASE_MS });
    return { kind: "proceed" };
  }

  /** Store the outcome for replay; responses of 500 and above are not kept, so a retry runs afresh. */
  async complete(fingerprint: string, response: StoredResponse): Promise<void> {
    if (response.status >= 500) {
      this.ctx.storage.kv.delete("record");
      return;
    }
    const expiresAt = Date.now() + IDEMPOTENCY_TTL_MS;
    this.ctx.storage.kv.put<KeyRecord>("record", { state: "completed", fingerprint, response, expiresAt });
    await this.ctx.storage.setAlarm(expiresAt);
  }

  /** The request failed before producing a response worth keeping: free the key. */
  release(): void {
    this.ctx.storage.kv.delete("record");
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  private read(now: number): KeyRecord | undefined {
    const record = this.ctx.storage.kv.get<KeyRecord>("record");
    if (record?.state === "completed" && record.expiresAt <= now) return undefined;
    return record;
  }
}

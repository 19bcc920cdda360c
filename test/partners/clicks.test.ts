import { describe, expect, it } from "vitest";
import { newId } from "#shared/ids";
import { handleClickBatch, insertClicks, type ClickMessage } from "../../workers/partners/src/clicks.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { referralLinkOf } from "../../workers/partners/src/referral-link.do.ts";
import { newPartner, partnersEnv, partnersRpc } from "./harness.ts";

const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

async function clicksOf(code: string) {
  return (await partnersEnv.PARTNERS_DB.prepare("SELECT * FROM clicks WHERE code = ?").bind(code).all<Record<string, unknown>>()).results;
}

/** Waits until the click queue has recorded `count` clicks of `code` (the consumer runs after the answer). */
async function settledClicks(code: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const rows = await clicksOf(code);
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
  return clicksOf(code);
}

/** A batch of queue messages with ack/retry recorded. */
function batchOf(queue: string, bodies: unknown[]) {
  const outcome: string[] = [];
  const messages = bodies.map((body, i) => ({ id: String(i), body, attempts: 1, ack: () => outcome.push(`ack:${i}`), retry: () => outcome.push(`retry:${i}`) }));
  return { batch: { queue, messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>, outcome };
}

describe("the click router", () => {
  it("redirects to the landing URL with the code carried, and records the click once with hashes, never the address", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p, { landingUrl: "https://payroll.example/insurance?utm_source=oi" });
    const target = unwrap(await partnersRpc.followLink(partner.defaultCode.toLowerCase(), { referrer: "https://blog.example/post", ipHash: HASH_A, userAgentHash: HASH_B }));
    expect(target.location).toBe(`https://payroll.example/insurance?utm_source=oi&ref=${partner.defaultCode}`);
    const [row, ...rest] = await settledClicks(partner.defaultCode, 1);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ id: target.clickId, code: partner.defaultCode, org_id: p.orgId, partner_id: partner.id, referrer: "https://blog.example/post", ip_hash: HASH_A, user_agent_hash: HASH_B });
    expect(unwrap(await partnersRpc.listPartnerCodes(p, partner.id)).data[0]).toMatchObject({ code: partner.defaultCode, clicks: 1 });
    // Each code counts its own clicks only.
    const second = unwrap(await partnersRpc.createPartnerCode(p, partner.id, {}));
    const other = await newPartner(p);
    for (const code of [second.code, second.code, other.defaultCode]) unwrap(await partnersRpc.followLink(code, { referrer: null, ipHash: HASH_A, userAgentHash: null }));
    await settledClicks(second.code, 2);
    await settledClicks(other.defaultCode, 1);
    expect(unwrap(await partnersRpc.listPartnerCodes(p, partner.id)).data.map((c) => [c.code, c.clicks])).toEqual([[second.code, 2], [partner.defaultCode, 1]]);
    expect(unwrap(await partnersRpc.listPartnerCodes(p, other.id)).data.map((c) => c.clicks)).toEqual([1]);
  });

  it("answers 404 without a redirect for an unknown code, a malformed one, or a revoked partner's, and records nothing", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p);
    const click = { referrer: null, ipHash: HASH_A, userAgentHash: null };
    expect(errorOf(await partnersRpc.followLink("NOSUCHCODE1", click))).toMatchObject({ code: "not_found" });
    expect(errorOf(await partnersRpc.followLink("../etc", click))).toMatchObject({ code: "not_found" });
    unwrap(await partnersRpc.revokePartner(p, partner.id));
    expect(errorOf(await partnersRpc.followLink(partner.defaultCode, click))).toMatchObject({ code: "not_found" });
    expect(await clicksOf(partner.defaultCode)).toEqual([]);
  });

  it("resolves a link without recording it; the click the gateway hands back is recorded once, however often", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p);
    const unrecorded = unwrap(await partnersRpc.resolveLink(partner.defaultCode, { referrer: null, ipHash: HASH_A, userAgentHash: null }));
    const resolved = unwrap(await partnersRpc.resolveLink(partner.defaultCode.toLowerCase(), { referrer: "https://blog.example/post", ipHash: HASH_B, userAgentHash: HASH_A }));
    expect(resolved.location).toBe(`https://payroll.example/insurance?ref=${partner.defaultCode}`);
    expect(resolved.click).toMatchObject({ kind: "click", id: expect.stringMatching(/^clk_/), code: partner.defaultCode, orgId: p.orgId, partnerId: partner.id, referrer: "https://blog.example/post", ipHash: HASH_B, userAgentHash: HASH_A });
    expect(unrecorded.click.id).not.toBe(resolved.click.id);
    await partnersRpc.recordClicks([resolved.click]);
    // Not a click: ignored; the click again beside it: counted once.
    await partnersRpc.recordClicks([{ ...resolved.click, id: newId("clk"), kind: "other" } as unknown as ClickMessage, resolved.click]);
    const rows = await settledClicks(partner.defaultCode, 1);
    expect(rows.map((r) => r.id)).toEqual([resolved.click.id]);
    unwrap(await partnersRpc.revokePartner(p, partner.id));
    expect(errorOf(await partnersRpc.resolveLink(partner.defaultCode, { referrer: null, ipHash: HASH_A, userAgentHash: null }))).toMatchObject({ code: "not_found" });
  });

  it("answers a code from its object's memory, which revocation clears at once (also on a retried revoke)", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p);
    const click = { referrer: null, ipHash: HASH_A, userAgentHash: null };
    unwrap(await partnersRpc.resolveLink(partner.defaultCode, click));
    // Changed in D1 behind the object's back: the click router still answers from memory…
    await partnersEnv.PARTNERS_DB.prepare("UPDATE referral_codes SET landing_url = 'https://elsewhere.example/' WHERE code = ?").bind(partner.defaultCode).run();
    expect(unwrap(await partnersRpc.resolveLink(partner.defaultCode, click)).location).toBe(`https://payroll.example/insurance?ref=${partner.defaultCode}`);
    // …until the object is told, as revocation tells every code of the partner.
    await referralLinkOf(partnersEnv, partner.defaultCode).forget();
    expect(unwrap(await partnersRpc.resolveLink(partner.defaultCode, click)).location).toBe(`https://elsewhere.example/?ref=${partner.defaultCode}`);

    const second = unwrap(await partnersRpc.createPartnerCode(p, partner.id, {}));
    // Many clicks at once on a code nobody asked for yet: one answer for all.
    const burst = await Promise.all(Array.from({ length: 20 }, () => partnersRpc.resolveLink(second.code, click)));
    expect(new Set(burst.map((r) => unwrap(r).location))).toEqual(new Set([`https://payroll.example/insurance?ref=${second.code}`]));
    unwrap(await partnersRpc.revokePartner(p, partner.id));
    for (const code of [partner.defaultCode, second.code]) expect(errorOf(await partnersRpc.resolveLink(code, click))).toMatchObject({ code: "not_found" });

    // A revoke retried (say the first one's objects could not all be told) tells them again.
    const other = await newPartner(p);
    unwrap(await partnersRpc.revokePartner(p, other.id));
    await partnersEnv.PARTNERS_DB.prepare("UPDATE referral_codes SET status = 'active' WHERE code = ?").bind(other.defaultCode).run();
    unwrap(await partnersRpc.resolveLink(other.defaultCode, click));
    await partnersEnv.PARTNERS_DB.prepare("UPDATE referral_codes SET status = 'revoked' WHERE code = ?").bind(other.defaultCode).run();
    expect(unwrap(await partnersRpc.revokePartner(p, other.id)).status).toBe("revoked");
    expect(errorOf(await partnersRpc.resolveLink(other.defaultCode, click))).toMatchObject({ code: "not_found" });
  });

  it("counts a redelivered click message once, and retries a batch whose insert failed", async () => {
    const p = newPrincipal();
    const partner = await newPartner(p);
    const click: ClickMessage = { kind: "click", id: newId("clk"), code: partner.defaultCode, orgId: p.orgId, partnerId: partner.id, clickedAt: "2026-12-01T12:00:00.000Z", referrer: null, ipHash: HASH_A, userAgentHash: null };
    const first = batchOf("openinsure-partner-clicks", [click, { kind: "other" }]);
    await handleClickBatch(first.batch, partnersEnv.PARTNERS_DB);
    expect(first.outcome.sort()).toEqual(["ack:0", "ack:1"]);
    const again = batchOf("openinsure-partner-clicks", [click, click]);
    await handleClickBatch(again.batch, partnersEnv.PARTNERS_DB);
    await insertClicks(partnersEnv.PARTNERS_DB, [click]);
    expect(await clicksOf(partner.defaultCode)).toHaveLength(1);

    // partner_id is NOT NULL: the insert fails, and the message is retried, not dropped.
    const broken = batchOf("openinsure-partner-clicks", [{ ...click, id: newId("clk"), partnerId: null }]);
    await handleClickBatch(broken.batch, partnersEnv.PARTNERS_DB);
    expect(broken.outcome).toEqual(["retry:0"]);
  });
});

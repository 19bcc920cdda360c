/**
 * A stored document's bytes count `document_storage_bytes` in the org's usage meter (the workspace
 * worker; here its stand-in, which refuses past a limit a test sets): counted in one call keyed by
 * the document id once the size is known (a body of known length, a rendered PDF, while its object
 * is written), and given back when the row is not written. A refused store leaves no object and no
 * row. The workspace project's tests drive the real UsageMeter's count with byte quantities.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import { storeDocument, type DocumentsDeps } from "../../workers/documents/src/documents.service.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";

interface UsageStandIn {
  setUsageLimitForTest(orgId: string, limit: number): Promise<boolean>;
  usageForTest(orgId: string): Promise<{ used: number; open: number }>;
}
const usage = () => env.WORKSPACE as unknown as UsageStandIn;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;
const deps = (overrides: Partial<DocumentsDeps> = {}): DocumentsDeps => ({ db: drizzle(env.DOCUMENTS_DB), bucket, usage: env.WORKSPACE, ...overrides });
const pdfBytes = (note: string) => new TextEncoder().encode(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% ${note}\n%%EOF\n`);

const objectsOf = async (p: Principal) => (await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects.map((o) => o.key);
const rowsOf = async (p: Principal) => (await env.DOCUMENTS_DB.prepare("SELECT count(*) AS n FROM documents WHERE org_id = ?").bind(p.orgId).first<{ n: number }>())!.n;

describe("storage metering: document_storage_bytes", () => {
  it("counts each stored document's bytes; past the plan's limit the store is 403 feature_limit_reached, its object deleted and no row written", async () => {
    const p = newPrincipal();
    const first = pdfBytes("first");
    const doc = unwrap(await storeDocument(deps(), p, { kind: "upload", filename: "a.pdf", body: first }));
    expect(doc.size).toBe(first.byteLength);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: first.byteLength, open: 0 });

    // Room for exactly one more byte than the next file needs is fine; one byte short is refused.
    const second = pdfBytes("second");
    await usage().setUsageLimitForTest(p.orgId, first.byteLength + second.byteLength - 1);
    const refused = errorOf(await storeDocument(deps(), p, { kind: "upload", filename: "b.pdf", body: second }));
    expect(refused).toMatchObject({ code: "feature_limit_reached", details: { feature: "document_storage_bytes", used: first.byteLength } });
    expect(await objectsOf(p)).toHaveLength(1);
    expect(await rowsOf(p)).toBe(1);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: first.byteLength, open: 0 });

    await usage().setUsageLimitForTest(p.orgId, first.byteLength + second.byteLength);
    unwrap(await storeDocument(deps(), p, { kind: "upload", filename: "b.pdf", body: second }));
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: first.byteLength + second.byteLength, open: 0 });
    expect(await objectsOf(p)).toHaveLength(2);
  });

  it("a row that cannot be written gives its bytes back and deletes its object", async () => {
    const p = newPrincipal();
    const broken = new Proxy(env.DOCUMENTS_DB, {
      get(target, prop) {
        if (prop === "prepare") return () => { throw new Error("D1 is unavailable"); };
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await expect(storeDocument(deps({ db: drizzle(broken) }), p, { kind: "upload", filename: "a.pdf", body: pdfBytes("lost") })).rejects.toThrow(/D1 is unavailable/);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 0, open: 0 });
    expect(await objectsOf(p)).toEqual([]);
  });

  it("counts a document once, in the call that stores it: nothing is left open, and the same id counted again counts nothing", async () => {
    const p = newPrincipal();
    const calls: string[] = [];
    const meter: DocumentsDeps["usage"] = env.WORKSPACE;
    const counting = {
      countUsage: (...args: Parameters<typeof meter.countUsage>) => (calls.push(`count ${args[2]} ${args[3]}`), meter.countUsage(...args)),
      returnUsage: (...args: Parameters<typeof meter.returnUsage>) => (calls.push(`return ${args[2]}`), meter.returnUsage(...args)),
    } as unknown as DocumentsDeps["usage"];
    const bytes = pdfBytes("counted once");
    const doc = unwrap(await storeDocument(deps({ usage: counting }), p, { kind: "upload", filename: "a.pdf", body: bytes }));
    expect(calls).toEqual([`count ${doc.id} ${bytes.byteLength}`]);
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: bytes.byteLength, open: 0 });
    // A repeated count of the same document (a retried call) is admitted without counting again.
    unwrap(await meter.countUsage(p, "document_storage_bytes", doc.id, bytes.byteLength));
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: bytes.byteLength, open: 0 });
  });

  it("a body the store refuses by its content gives back the bytes it counted alongside the write", async () => {
    const p = newPrincipal();
    // An ELF executable: a known signature, not an accepted type.
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
    const refused = errorOf(await storeDocument(deps(), p, { kind: "upload", filename: "a.pdf", body: elf }));
    expect(refused.code).toBe("unsupported_media_type");
    expect(await usage().usageForTest(p.orgId)).toEqual({ used: 0, open: 0 });
    expect(await objectsOf(p)).toEqual([]);
  });

  it("a meter that cannot be reached fails the store and deletes the object written alongside", async () => {
    const p = newPrincipal();
    const unreachable = { countUsage: () => Promise.reject(new Error("workspace is unavailable")), returnUsage: () => Promise.resolve({ ok: true, value: { used: 0 } }) } as unknown as DocumentsDeps["usage"];
    await expect(storeDocument(deps({ usage: unreachable }), p, { kind: "upload", filename: "a.pdf", body: pdfBytes("unmetered") })).rejects.toThrow(/workspace is unavailable/);
    expect(await objectsOf(p)).toEqual([]);
    expect(await rowsOf(p)).toBe(0);
  });
});

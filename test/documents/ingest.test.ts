/**
 * Ingest inside workerd, through the service functions with the worker's own D1 and R2 (so a test
 * can hand in a fake Workers AI binding) and over loopback RPC as the gateway calls it.
 */
import { env, exports } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { describe, expect, it } from "vitest";
import type { Principal } from "#shared/auth";
import type { WorkspaceInternalRpc } from "#shared/rpc";
import type { AiRunner } from "../../workers/documents/src/classifier/ai.ts";
import type { NaiveBayesModel } from "../../workers/documents/src/classifier/model.ts";
import model from "../../workers/documents/src/classifier/model.json";
import { MAX_DOCUMENT_BYTES } from "../../workers/documents/src/documents.service.ts";
import { aiFlags } from "../../workers/documents/src/flags.ts";
import { ingestDocument, readAcordSource, type IngestDeps } from "../../workers/documents/src/ingest.service.ts";
import type { DocumentsService } from "../../workers/documents/src/index.ts";
import { HELD_OUT } from "../support/corpus.ts";
import { standInFlags, type StandInFlags } from "../support/flags.ts";
import { newPrincipal } from "../support/principals.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { buildAcord125Pdf, CANONICAL_GL_APPLICATION } from "../underwriting/fixtures/acord125.ts";

const rpc = (exports as unknown as { DocumentsService: Service<DocumentsService> }).DocumentsService;
const bucket = (env as unknown as { DOCUMENTS: R2Bucket }).DOCUMENTS;

/** A fake Workers AI binding: answers `reply` (or what `reply` does), counting calls. */
function fakeAi(reply: () => Promise<unknown>) {
  const calls: { model: string; text: string }[] = [];
  const ai: AiRunner = {
    run: async (modelName, inputs) => {
      calls.push({ model: modelName, text: inputs.messages.map((m) => m.content).join("\n") });
      return reply();
    },
  };
  return { ai, calls };
}

const deps = (overrides: Partial<IngestDeps> = {}): IngestDeps => ({
  db: drizzle(env.DOCUMENTS_DB),
  bucket,
  usage: env.WORKSPACE,
  model: model as NaiveBayesModel,
  aiFlags: async () => ({ enabled: false, model: "@cf/meta/llama-3.1-8b-instruct" }),
  ...overrides,
});

/** A one-page PDF with a text layer. */
async function textPdf(lines: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([612, 792]);
  lines.forEach((line, i) => page.drawText(line, { x: 40, y: 740 - i * 14, size: 10, font }));
  return doc.save();
}

const LOSS_RUN = [
  "LOSS RUN REPORT  Valued as of 11/30/2026",
  "Insured: Harbor Point Logistics LLC  Policy GL-123456-01",
  "Claim Number  Date of Loss  Claimant  Status  Paid  Reserve  Total Incurred",
  "CLM-100200  03/02/2025  Maria Lopez  Closed  $4,100.00  $0.00  $4,100.00",
  "CLM-100377  07/19/2025  James Chen  Open  $1,250.00  $6,000.00  $7,250.00",
  "Totals: 2 claims  Paid $5,350.00  Outstanding reserve $6,000.00  Incurred $11,350.00",
];

async function objectsOf(p: Principal) {
  return (await bucket.list({ prefix: `orgs/${p.orgId}/` })).objects.length;
}
async function rowsOf(p: Principal) {
  return (await env.DOCUMENTS_DB.prepare("SELECT count(*) AS n FROM documents WHERE org_id = ?").bind(p.orgId).first<{ n: number }>())!.n;
}

describe("ingestDocument", () => {
  it("stores a PDF as an upload with the local model's classification, its signals and the text summary, and GET returns it", async () => {
    const p = newPrincipal();
    const doc = unwrap(await rpc.ingestDocument(p, { filename: "loss-run.pdf", body: await textPdf(LOSS_RUN) }));
    expect(doc).toMatchObject({ kind: "upload", filename: "loss-run.pdf", contentType: "application/pdf", classification: { kind: "loss_run", model: `local:${model.version}`, fallbackReason: null } });
    expect(doc.classification!.confidence).toBeGreaterThan(0.5);
    expect(doc.classification!.signals.length).toBeGreaterThan(0);
    expect(doc.classification!.signals.every((s) => typeof s.weight === "number" && s.weight > 0)).toBe(true);
    expect(doc.text).toMatchObject({ pages: 1, formFields: 0, acord125Fields: [] });
    expect(doc.text.characters).toBeGreaterThan(200);
    const read = unwrap(await rpc.getDocument(p, doc.id));
    expect(read.classification).toEqual(doc.classification);
    expect(await objectsOf(p)).toBe(1);
  });

  it("recognises an ACORD 125's form fields through the intake's reader", async () => {
    const p = newPrincipal();
    const doc = unwrap(await rpc.ingestDocument(p, { filename: "app.pdf", body: await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION }) }));
    expect(doc.classification).toMatchObject({ kind: "acord_125" });
    expect(doc.classification!.signals.some((s) => s.feature.startsWith("#field:") || s.feature === "#form")).toBe(true);
    expect(doc.text.formFields).toBeGreaterThanOrEqual(Object.keys(CANONICAL_GL_APPLICATION).length);
    expect(doc.text.acord125Fields).toContainEqual({ field: "insuredName", value: "Acme Widgets LLC", confidence: 1, source: "NamedInsured_FullName_A" });
    expect(doc.text.acord125Fields).toContainEqual(expect.objectContaining({ field: "annualRevenue", value: 2500000 }));
  });

  it("classifies held-out corpus files (never trained on) as labelled", async () => {
    const p = newPrincipal();
    for (const entry of HELD_OUT) {
      expect(entry.split).toBe("heldout");
      const doc = unwrap(await rpc.ingestDocument(p, { filename: entry.file, body: entry.bytes }));
      expect(doc.classification!.kind, entry.file).toBe(entry.kind);
    }
  });

  it("refuses, storing nothing: an empty file (400), another type (415), over 25 MiB (413, the rest unread), an unparseable PDF (422)", async () => {
    const p = newPrincipal();
    expect(errorOf(await rpc.ingestDocument(p, { filename: "empty.pdf", body: new Uint8Array(0) }))).toMatchObject({ code: "validation_failed", details: { field: "file", rule: "empty" } });
    expect(errorOf(await rpc.ingestDocument(p, { filename: "notes.txt", body: new TextEncoder().encode("just some notes\n") }))).toMatchObject({ code: "unsupported_media_type", details: { detected: "text/plain" } });
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(60).fill(0)]);
    expect(errorOf(await rpc.ingestDocument(p, { filename: "a.zip", body: zip }))).toMatchObject({ code: "unsupported_media_type" });
    expect(errorOf(await rpc.ingestDocument(p, { filename: "bad.pdf", body: new TextEncoder().encode("%PDF-1.7\nthis is not really a pdf\n") }))).toMatchObject({ code: "unreadable_document", details: { field: "file" } });
    // A truncated real PDF: its header is right, its body cut off.
    const truncated = (await textPdf(LOSS_RUN)).subarray(0, 300);
    expect(errorOf(await rpc.ingestDocument(p, { filename: "cut.pdf", body: truncated }))).toMatchObject({ code: "unreadable_document" });

    const chunk = 1024 * 1024;
    let pulled = 0;
    const huge = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 40) return controller.close();
        controller.enqueue(new Uint8Array(chunk).fill(0x41));
      },
    });
    expect(errorOf(await ingestDocument(deps(), p, { filename: "huge.pdf", body: huge }))).toMatchObject({ code: "payload_too_large", details: { limit: MAX_DOCUMENT_BYTES } });
    // 26 chunks pass the limit; a stream pulls at most one ahead.
    expect(pulled).toBeLessThanOrEqual(27);

    expect(await objectsOf(p)).toBe(0);
    expect(await rowsOf(p)).toBe(0);
  });

  it("accepts a PNG and a JPEG as photos", async () => {
    const p = newPrincipal();
    const photo = HELD_OUT.find((e) => e.kind === "photo")!;
    const jpeg = unwrap(await rpc.ingestDocument(p, { filename: "damage.jpg", body: photo.bytes }));
    expect(jpeg).toMatchObject({ contentType: "image/jpeg", classification: { kind: "photo" }, text: { characters: 0, pages: 1 } });
    expect(jpeg.classification!.signals.map((s) => s.feature)).toContain("#type:image");
  });
});

describe("Workers AI behind documents.ai_classification", () => {
  const input = async () => ({ filename: "loss-run.pdf", body: await textPdf(LOSS_RUN) });
  /** The flags as the producers worker evaluates them for an org (a stand-in: defaults, unless a test sets one). */
  const through = (flags: StandInFlags): Pick<IngestDeps, "aiFlags"> => ({ aiFlags: (orgId) => aiFlags(flags, orgId) });
  const flagOn = (p: Principal, flags = standInFlags()) => {
    flags.set(p.orgId, "documents.ai_classification", true);
    return flags;
  };

  it("is not asked while the flag is off for the org", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"invoice","confidence":0.9}' }));
    const flags = standInFlags();
    const p = newPrincipal();
    // Another org's flag is on; this org's is at the default (off).
    flags.set(newPrincipal().orgId, "documents.ai_classification", true);
    const doc = unwrap(await ingestDocument(deps({ ai, ...through(flags) }), p, await input()));
    expect(flags.calls).toEqual([p.orgId]);
    expect(calls).toHaveLength(0);
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: null });
  });

  it("answers when the flag is on, with the text in its prompt", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: 'Sure! ```json\n{"kind": "loss_run", "confidence": 0.874, "signals": ["Loss Run Report", "Total Incurred"]}\n```' }));
    const p = newPrincipal();
    const doc = unwrap(await ingestDocument(deps({ ai, ...through(flagOn(p)) }), p, await input()));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.model).toBe("@cf/meta/llama-3.1-8b-instruct");
    expect(calls[0]!.text).toContain("LOSS RUN REPORT");
    expect(doc.classification).toEqual({
      kind: "loss_run",
      confidence: 0.87,
      signals: [
        { feature: "Loss Run Report", weight: null },
        { feature: "Total Incurred", weight: null },
      ],
      model: "ai:@cf/meta/llama-3.1-8b-instruct",
      fallbackReason: null,
    });
    expect(unwrap(await rpc.getDocument(p, doc.id)).classification).toEqual(doc.classification);
  });

  it("falls back to the local model when the binding throws, answers garbage or an unknown kind, or times out", async () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ["throws", async () => { throw new Error("AI is down"); }, "ai_error"],
      ["garbage", async () => ({ response: "I think this is probably a document." }), "ai_unparseable"],
      ["unknown kind", async () => ({ response: '{"kind":"recipe","confidence":0.99}' }), "ai_unparseable"],
      ["bad confidence", async () => '{"kind":"invoice","confidence":7}', "ai_unparseable"],
      ["never answers", () => new Promise(() => undefined), "ai_timeout"],
    ];
    for (const [name, reply, reason] of cases) {
      const { ai, calls } = fakeAi(reply);
      const p = newPrincipal();
      const doc = unwrap(await ingestDocument(deps({ ai, ...through(flagOn(p)), aiTimeoutMs: 50 }), p, await input()));
      expect(calls, name).toHaveLength(1);
      expect(doc.classification, name).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: reason });
    }
  });

  it("is not asked about a file without text (a picture): the local model's type features decide", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"invoice","confidence":0.9}' }));
    const photo = HELD_OUT.find((e) => e.kind === "photo")!;
    const p = newPrincipal();
    const flags = flagOn(p);
    const doc = unwrap(await ingestDocument(deps({ ai, ...through(flags) }), p, { filename: "p.jpg", body: photo.bytes }));
    expect(calls).toHaveLength(0);
    // Nothing to ask the model about, so the flags were not even read.
    expect(flags.calls).toEqual([]);
    expect(doc.classification).toMatchObject({ kind: "photo", fallbackReason: null });
  });

  it("asks the model the org's documents.ai_model names", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"loss_run","confidence":0.8}' }));
    const p = newPrincipal();
    const flags = flagOn(p);
    flags.set(p.orgId, "documents.ai_model", "@cf/mistral/mistral-7b-instruct-v0.1");
    const doc = unwrap(await ingestDocument(deps({ ai, ...through(flags) }), p, await input()));
    expect(calls.map((c) => c.model)).toEqual(["@cf/mistral/mistral-7b-instruct-v0.1"]);
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: "ai:@cf/mistral/mistral-7b-instruct-v0.1", fallbackReason: null });
  });

  it("classifies with the local model when the flags cannot be read (the producers worker down)", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"invoice","confidence":0.9}' }));
    const p = newPrincipal();
    const flags = flagOn(p);
    flags.down = true;
    const doc = unwrap(await ingestDocument(deps({ ai, ...through(flags) }), p, await input()));
    expect(flags.calls).toEqual([p.orgId]);
    expect(calls).toHaveLength(0);
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: null });
  });
});

describe("the org's own LLM key (BYOK) behind documents.ai_classification", () => {
  const input = async () => ({ filename: "loss-run.pdf", body: await textPdf(LOSS_RUN) });
  const through = (flags: StandInFlags): Pick<IngestDeps, "aiFlags"> => ({ aiFlags: (orgId) => aiFlags(flags, orgId) });
  const flagOn = (p: Principal, flags = standInFlags()) => {
    flags.set(p.orgId, "documents.ai_classification", true);
    return flags;
  };
  /** The workspace stand-in (vitest.config.ts) as the worker binds it, with its test setters. */
  const workspace = env.WORKSPACE as unknown as Pick<WorkspaceInternalRpc, "completeWithOrgLlm"> & {
    setLlmAnswerForTest(orgId: string, answer: { provider: string; model: string; text: string } | "down" | "failing"): Promise<boolean>;
    llmCallsForTest(orgId: string): Promise<{ messages: { role: string; content: string }[]; maxTokens: number }[]>;
  };

  it("classifies with the org's key when it has one, with the text in its prompt; Workers AI is not asked", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"invoice","confidence":0.9}' }));
    const p = newPrincipal();
    await workspace.setLlmAnswerForTest(p.orgId, { provider: "openai", model: "gpt-4o-mini", text: '```json\n{"kind": "loss_run", "confidence": 0.912, "signals": ["Loss Run Report"]}\n```' });
    const doc = unwrap(await ingestDocument(deps({ ai, orgLlm: workspace, ...through(flagOn(p)) }), p, await input()));
    expect(doc.classification).toEqual({ kind: "loss_run", confidence: 0.91, signals: [{ feature: "Loss Run Report", weight: null }], model: "byok:openai:gpt-4o-mini", fallbackReason: null });
    expect(calls).toHaveLength(0);
    const asked = await workspace.llmCallsForTest(p.orgId);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.maxTokens).toBe(200);
    expect(asked[0]!.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(asked[0]!.messages[1]!.content).toContain("LOSS RUN REPORT");
  });

  it("falls back to the local model, not to Workers AI, when the org's key fails, the workspace worker is down or the answer is garbage", async () => {
    const cases: [string, Parameters<typeof workspace.setLlmAnswerForTest>[1], string][] = [
      ["provider refuses", "failing", "ai_error"],
      ["workspace down", "down", "ai_error"],
      ["garbage", { provider: "anthropic", model: "claude-3-5-haiku-latest", text: "It looks like a report." }, "ai_unparseable"],
    ];
    for (const [name, answer, reason] of cases) {
      const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"invoice","confidence":0.9}' }));
      const p = newPrincipal();
      await workspace.setLlmAnswerForTest(p.orgId, answer);
      const doc = unwrap(await ingestDocument(deps({ ai, orgLlm: workspace, ...through(flagOn(p)) }), p, await input()));
      expect(doc.classification, name).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: reason });
      expect(await workspace.llmCallsForTest(p.orgId), name).toHaveLength(1);
      expect(calls, name).toHaveLength(0);
    }
  });

  it("an org's key that does not answer in time falls back with ai_timeout", async () => {
    const p = newPrincipal();
    const slow: Pick<WorkspaceInternalRpc, "completeWithOrgLlm"> = { completeWithOrgLlm: () => new Promise(() => undefined) };
    const doc = unwrap(await ingestDocument(deps({ orgLlm: slow, ...through(flagOn(p)), aiTimeoutMs: 50 }), p, await input()));
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: "ai_timeout" });
  });

  it("an org without a key is classified by Workers AI as before, or by the local model without a binding", async () => {
    const { ai, calls } = fakeAi(async () => ({ response: '{"kind":"loss_run","confidence":0.8}' }));
    const p = newPrincipal();
    const doc = unwrap(await ingestDocument(deps({ ai, orgLlm: workspace, ...through(flagOn(p)) }), p, await input()));
    expect(await workspace.llmCallsForTest(p.orgId)).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: "ai:@cf/meta/llama-3.1-8b-instruct", fallbackReason: null });
    const q = newPrincipal();
    const local = unwrap(await ingestDocument(deps({ orgLlm: workspace, ...through(flagOn(q)) }), q, await input()));
    expect(await workspace.llmCallsForTest(q.orgId)).toHaveLength(1);
    expect(local.classification).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: null });
  });

  it("through the worker's entrypoint: the flag read from the producers worker, the org's key asked through its WORKSPACE binding", async () => {
    const p = newPrincipal();
    const evaluated = await flagOn(p).flags(p.orgId);
    if (!evaluated.ok) throw new Error("the flag stand-in answers");
    await (env as unknown as { PRODUCERS: { setFlagsForTest(orgId: string, flags: unknown): Promise<boolean> } }).PRODUCERS.setFlagsForTest(p.orgId, evaluated.value);
    await workspace.setLlmAnswerForTest(p.orgId, { provider: "anthropic", model: "claude-3-5-haiku-latest", text: '{"kind":"loss_run","confidence":0.77}' });
    const doc = unwrap(await rpc.ingestDocument(p, await input()));
    expect(doc.classification).toMatchObject({ kind: "loss_run", confidence: 0.77, model: "byok:anthropic:claude-3-5-haiku-latest", fallbackReason: null });
    expect(await workspace.llmCallsForTest(p.orgId)).toHaveLength(1);
  });

  it("is not asked while the flag is off for the org, even with a key", async () => {
    const p = newPrincipal();
    await workspace.setLlmAnswerForTest(p.orgId, { provider: "openai", model: "gpt-4o-mini", text: '{"kind":"invoice","confidence":0.9}' });
    const flags = standInFlags();
    const doc = unwrap(await ingestDocument(deps({ orgLlm: workspace, ...through(flags) }), p, await input()));
    expect(flags.calls).toEqual([p.orgId]);
    expect(await workspace.llmCallsForTest(p.orgId)).toEqual([]);
    expect(doc.classification).toMatchObject({ kind: "loss_run", model: `local:${model.version}`, fallbackReason: null });
  });
});

describe("readAcordSource", () => {
  it("hands over an ingested ACORD 125's bytes; another kind is refused naming it, another org's is 404", async () => {
    const p = newPrincipal();
    const pdf = await buildAcord125Pdf({ text: CANONICAL_GL_APPLICATION });
    const acord = unwrap(await rpc.ingestDocument(p, { filename: "app.pdf", body: pdf }));
    const source = unwrap(await rpc.readAcordSource(p, acord.id));
    expect(source.document.id).toBe(acord.id);
    expect(source.bytes).toEqual(pdf);

    const lossRun = unwrap(await rpc.ingestDocument(p, { filename: "lr.pdf", body: await textPdf(LOSS_RUN) }));
    expect(errorOf(await rpc.readAcordSource(p, lossRun.id))).toMatchObject({ code: "business_rule_violation", details: { field: "documentId", kind: "loss_run" } });
    const stored = unwrap(await rpc.storeDocument(p, { kind: "coi", filename: "c.pdf", body: pdf }));
    expect(errorOf(await readAcordSource(deps(), p, stored.id))).toMatchObject({ code: "business_rule_violation", details: { kind: null } });
    expect(errorOf(await rpc.readAcordSource(newPrincipal(), acord.id))).toMatchObject({ code: "not_found" });
    expect(errorOf(await rpc.readAcordSource(p, "doc_nonsense"))).toMatchObject({ code: "not_found" });
  });
});

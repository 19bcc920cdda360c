/**
 * Classification by Workers AI, used only when the flag `documents.ai_classification` is on for the
 * org (flags.ts), with the org's `documents.ai_model`. The model is asked for JSON; anything else (an error, no answer within
 * {@link AI_TIMEOUT_MS}, an answer that is not one of the kinds) is a failure the caller turns into
 * the local model's answer. The binding is typed by the one method used, so tests pass a fake.
 */
import { z } from "zod";
import { FLAGS } from "#shared/flags.catalogue";
import { DOCUMENT_CLASSES, MIN_TEXT_CHARACTERS, type DocumentClass, type DocumentEvidence } from "./features.ts";

/** A small instruction model on Workers AI: classification needs no more. The flag `documents.ai_model` may name another per org. */
export const AI_MODEL = FLAGS["documents.ai_model"].defaultValue;

/** Past this, the local model answers (an ingest must not wait on a slow model). */
export const AI_TIMEOUT_MS = 8_000;

/** Text sent to the model, at most: the head of a document says what it is. */
const MAX_PROMPT_TEXT = 6_000;

/** The slice of the `Ai` binding this code calls (`env.AI.run(model, inputs)`). */
export interface AiRunner {
  run(model: string, inputs: { messages: { role: "system" | "user"; content: string }[]; max_tokens?: number }): Promise<unknown>;
}

export type AiFailure = "ai_error" | "ai_timeout" | "ai_unparseable";

export interface AiClassification {
  kind: DocumentClass;
  confidence: number;
  signals: string[];
}

const answer = z.object({
  kind: z.enum(DOCUMENT_CLASSES),
  confidence: z.number().min(0).max(1),
  signals: z.array(z.string().min(1).max(80)).max(10).default([]),
});

/** Whether the model has anything to read: images and scans carry no text, so the local model's type features decide them. */
export const aiCanRead = (evidence: DocumentEvidence) => evidence.text.replace(/\s+/g, "").length >= MIN_TEXT_CHARACTERS;

function prompt(evidence: DocumentEvidence) {
  const system = [
    "You classify documents sent to a commercial insurance platform.",
    `Answer with one JSON object only: {"kind": one of ${DOCUMENT_CLASSES.map((k) => JSON.stringify(k)).join(", ")}, "confidence": a number from 0 to 1, "signals": up to 5 short phrases from the document that decided it}.`,
    "acord_125 is a commercial insurance application; acord_25 a certificate of liability insurance; loss_run a claims history; policy_declarations a declarations page; endorsement a policy change form.",
  ].join(" ");
  const fields = evidence.formFields.slice(0, 40).join(", ");
  const user = `Media type: ${evidence.contentType}. Pages: ${evidence.pages}.${fields ? ` Form fields: ${fields}.` : ""}\nText:\n${evidence.text.slice(0, MAX_PROMPT_TEXT)}`;
  return [
    { role: "system" as const, content: system },
    { role: "user" as const, content: user },
  ];
}

/** The first JSON object in a model's answer (models wrap JSON in prose or code fences). */
function parseAnswer(raw: unknown): AiClassification | null {
  let value: unknown = raw;
  if (value && typeof value === "object" && "response" in value) value = (value as { response: unknown }).response;
  if (typeof value === "string") {
    const start = value.indexOf("{");
    const end = value.lastIndexOf("}");
    if (start === -1 || end <= start) return null;
    try {
      value = JSON.parse(value.slice(start, end + 1));
    } catch {
      return null;
    }
  }
  const parsed = answer.safeParse(value);
  return parsed.success ? { kind: parsed.data.kind, confidence: Math.round(parsed.data.confidence * 100) / 100, signals: parsed.data.signals.slice(0, 5) } : null;
}

/** Workers AI's classification of `evidence`, or why there is none. Never throws. */
export async function classifyWithAi(ai: AiRunner, evidence: DocumentEvidence, timeoutMs = AI_TIMEOUT_MS, model: string = AI_MODEL): Promise<{ ok: true; value: AiClassification } | { ok: false; reason: AiFailure }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const raw = await Promise.race([ai.run(model, { messages: prompt(evidence), max_tokens: 200 }), timeout]);
    if (raw === "timeout") return { ok: false, reason: "ai_timeout" };
    const parsed = parseAnswer(raw);
    return parsed ? { ok: true, value: parsed } : { ok: false, reason: "ai_unparseable" };
  } catch {
    return { ok: false, reason: "ai_error" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * NAICS classification: a BM25 index over the official six-digit industries, each document its
 * title (weighted thrice), its description with illustrative examples, and the titles of its
 * industry group and industry. Built once per isolate; the same text always gives the same ranking
 * (ties by code).
 */
import type { ClassifyResult } from "#contract/types.gen";
import { fail, ok, type Result } from "#shared/errors";
import { INDUSTRIES, lineage, NAICS_EDITION } from "./naics.ts";

const STOPWORDS = new Set(
  "a an and are as at be by for from has have in into is it its of on or our that the their this to was we were which with who will you your other than such except all also any each etc e g i not primarily engaged establishments establishment comprises industry includes including include u s us".split(" "),
);

/** A light suffix stripper: enough that "roofers", "roofing" and "roof" meet. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith("ies")) w = w.slice(0, -3) + "y";
  else if (w.length > 4 && /(ches|shes|sses|xes)$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith("ing")) w = w.slice(0, -3);
  else if (w.length > 5 && w.endsWith("ers")) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith("er")) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith("ed")) w = w.slice(0, -2);
  else if (w.length > 6 && w.endsWith("ation")) w = w.slice(0, -5);
  if (w.length > 3 && w.endsWith("e")) w = w.slice(0, -1);
  return w;
}

/** Lower-case words of letters and digits, stopwords dropped, stemmed. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().normalize("NFKD").split(/[^a-z0-9]+/)) {
    if (raw.length < 2 || STOPWORDS.has(raw)) continue;
    out.push(stem(raw));
  }
  return out;
}

interface Doc {
  code: string;
  title: string;
  length: number;
  tf: Map<string, number>;
}

interface Index {
  docs: Doc[];
  df: Map<string, number>;
  avgLength: number;
}

const K1 = 1.2;
const B = 0.75;
const TITLE_WEIGHT = 3;

let index: Index | null = null;

function build(): Index {
  const docs: Doc[] = [];
  const df = new Map<string, number>();
  let total = 0;
  for (const e of INDUSTRIES) {
    const tf = new Map<string, number>();
    const add = (text: string, weight: number) => {
      for (const t of tokenize(text)) tf.set(t, (tf.get(t) ?? 0) + weight);
    };
    add(e.title, TITLE_WEIGHT);
    add(e.description, 1);
    for (const parent of lineage(e.code).filter((p) => p.code.length >= 4)) add(parent.title, 1);
    let length = 0;
    for (const [term, n] of tf) {
      length += n;
      df.set(term, (df.get(term) ?? 0) + 1);
    }
    total += length;
    docs.push({ code: e.code, title: e.title, length, tf });
  }
  return { docs, df, avgLength: total / docs.length };
}

/** Scores of every industry against a text, best first (ties by code), zero scores dropped. */
export function rank(text: string): { code: string; title: string; score: number }[] {
  index ??= build();
  const { docs, df, avgLength } = index;
  const n = docs.length;
  const terms = [...new Set(tokenize(text))];
  const scored: { code: string; title: string; score: number }[] = [];
  for (const d of docs) {
    let score = 0;
    for (const term of terms) {
      const f = d.tf.get(term);
      if (!f) continue;
      const dfi = df.get(term) ?? 0;
      const idf = Math.log(1 + (n - dfi + 0.5) / (dfi + 0.5));
      score += (idf * (f * (K1 + 1))) / (f + K1 * (1 - B + (B * d.length) / avgLength));
    }
    if (score > 0) scored.push({ code: d.code, title: d.title, score });
  }
  return scored.sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
}

const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;

/** The top five codes of a description; a blank one (or one of only stopwords) is 400. */
export function classify(input: { description?: unknown } | null | undefined): Result<ClassifyResult> {
  const description = typeof input?.description === "string" ? input.description.trim() : "";
  if (!description) return fail("validation_failed", "Missing required field: description", { field: "description", rule: "required" });
  if (description.length > 5000) return fail("validation_failed", "description must be at most 5000 characters", { field: "description", rule: "max_length" });
  const top = rank(description).slice(0, 5);
  const sum = top.reduce((s, t) => s + t.score, 0);
  return ok({
    edition: NAICS_EDITION,
    data: top.map((t) => ({ code: t.code, title: t.title, score: round(t.score, 4), confidence: sum > 0 ? round(t.score / sum, 4) : 0 })),
  });
}

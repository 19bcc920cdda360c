/**
 * Trains the documents worker's local classifier (`npm run train:classifier`): a multinomial naive
 * Bayes over workers/documents/src/classifier/features.ts, from the `train` split of the committed
 * corpus only (the `heldout` split is the report's). Writes workers/documents/src/classifier/model.json.
 *
 * Deterministic: the corpus is fixed and every step sorts, so the same corpus gives the same bytes.
 * The vocabulary is pruned (features seen in at least {@link MIN_DOCS} training documents, then the
 * {@link MAX_FEATURES} most discriminating by information gain) to keep the worker's bundle small.
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { DOCUMENT_CLASSES, features, type DocumentClass } from "../workers/documents/src/classifier/features.ts";
import type { NaiveBayesModel } from "../workers/documents/src/classifier/model.ts";
import type { CorpusEntry } from "./classifier-corpus.ts";
import { evidenceOf, readManifest } from "./lib/classifier-corpus-reader.ts";

const MIN_DOCS = 2;
const MAX_FEATURES = 1200;
/** Laplace smoothing. */
const ALPHA = 1;
import { MODEL_PATH } from "./train-classifier-paths.ts";

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** One labelled document's features, as training reads it. */
export interface TrainingDocument {
  kind: DocumentClass;
  counts: Map<string, number>;
}

/** A model from `docs` (its version left empty: {@link main} names it by its hash). */
export function trainModel(docs: readonly TrainingDocument[]): NaiveBayesModel {
  const classes = [...DOCUMENT_CLASSES];
  const labelled = docs.map((d) => ({ c: classes.indexOf(d.kind), counts: d.counts }));

  // Document frequency per feature and class, for pruning.
  const df = new Map<string, number[]>();
  const perClass = classes.map((_, c) => labelled.filter((d) => d.c === c).length);
  for (const d of labelled) {
    for (const f of d.counts.keys()) {
      const row = df.get(f) ?? classes.map(() => 0);
      row[d.c]! += 1;
      df.set(f, row);
    }
  }
  const n = labelled.length;
  const entropy = (ps: number[]) => -ps.reduce((s, p) => (p > 0 ? s + p * Math.log2(p) : s), 0);
  const prior = entropy(perClass.map((k) => k / n));
  // Information gain of "the document has feature f" about its class.
  const gain = (row: number[]) => {
    const withF = row.reduce((a, b) => a + b, 0);
    const without = n - withF;
    const hWith = withF ? entropy(row.map((k) => k / withF)) : 0;
    const hWithout = without ? entropy(row.map((k, c) => (perClass[c]! - k) / without)) : 0;
    return prior - (withF / n) * hWith - (without / n) * hWithout;
  };
  const kept = [...df.entries()]
    .filter(([, row]) => row.reduce((a, b) => a + b, 0) >= MIN_DOCS)
    .map(([f, row]) => [f, gain(row)] as const)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_FEATURES)
    .map(([f]) => f)
    .sort();
  const keptSet = new Set(kept);

  // Multinomial likelihoods over the kept vocabulary.
  const totals = classes.map(() => 0);
  const counts = new Map<string, number[]>(kept.map((f) => [f, classes.map(() => 0)]));
  for (const d of labelled) {
    for (const [f, k] of d.counts) {
      if (!keptSet.has(f)) continue;
      counts.get(f)![d.c]! += k;
      totals[d.c]! += k;
    }
  }
  const denominators = totals.map((t) => t + ALPHA * (kept.length + 1));
  return {
    version: "",
    classes,
    // A kind absent from `docs` (leave-one-layout-out never removes a whole kind) would be -Infinity.
    priors: perClass.map((k) => round3(Math.log(Math.max(k, 1) / n))),
    features: Object.fromEntries(kept.map((f) => [f, counts.get(f)!.map((k, c) => round3(Math.log((k + ALPHA) / denominators[c]!)))])),
    unseen: denominators.map((d) => round3(Math.log(ALPHA / d))),
  };
}

/** The `train` split's documents, read as the worker reads them. */
export async function trainingDocuments(filter: (entry: CorpusEntry) => boolean = () => true): Promise<(TrainingDocument & { entry: CorpusEntry })[]> {
  const out: (TrainingDocument & { entry: CorpusEntry })[] = [];
  for (const entry of readManifest().filter((e) => e.split === "train" && filter(e))) out.push({ kind: entry.kind, counts: features(await evidenceOf(entry)), entry });
  return out;
}

async function main() {
  const docs = await trainingDocuments();
  const model = trainModel(docs);
  const digest = createHash("sha256").update(JSON.stringify(model)).digest("hex").slice(0, 12);
  model.version = `nb-${digest}`;
  writeFileSync(MODEL_PATH, JSON.stringify(model) + "\n");
  console.log(`trained ${model.version} on ${docs.length} documents; ${Object.keys(model.features).length} features kept; wrote ${MODEL_PATH}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

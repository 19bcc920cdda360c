/**
 * The one place the documents worker reads its feature flags: `documents.ai_classification` (ask
 * Workers AI first) and `documents.ai_model` (which model), evaluated for the org by the producers
 * worker (`ProducersInternal.flags` through `#shared/flags`). If the flags cannot be read, ingest
 * does not fail: it classifies with the committed local model, as with the flag off.
 */
import { readFlags, FlagsUnavailable, type FlagSource } from "#shared/flags";
import { FLAGS } from "#shared/flags.catalogue";

export const AI_CLASSIFICATION_FLAG = "documents.ai_classification";
export const AI_MODEL_FLAG = "documents.ai_model";

/** What ingest's classification reads from the org's flags. */
export interface AiFlags {
  enabled: boolean;
  /** The Workers AI model to ask. */
  model: string;
}

/** The org's AI classification flags; off (the local model) when the producers worker cannot answer them. */
export async function aiFlags(producers: FlagSource, orgId: string): Promise<AiFlags> {
  try {
    const flags = await readFlags(producers, orgId);
    return { enabled: flags.get(AI_CLASSIFICATION_FLAG), model: flags.get(AI_MODEL_FLAG) };
  } catch (error) {
    if (!(error instanceof FlagsUnavailable)) throw error;
    console.warn(`documents: ${error.message}; classifying with the local model`);
    return { enabled: false, model: FLAGS[AI_MODEL_FLAG].defaultValue };
  }
}

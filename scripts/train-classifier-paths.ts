import { join } from "node:path";

/** Where `npm run train:classifier` writes the model and the report reads it. */
export const MODEL_PATH = join(import.meta.dirname, "..", "workers", "documents", "src", "classifier", "model.json");

/**
 * The one place the documents worker reads the flag `documents.ai_classification`. Flags are built
 * in issue 14 (the producers worker's evaluator, org overrides over a global default); until then
 * the flag is the var `DOCUMENTS_AI_CLASSIFICATION`: `*` for every org, or a comma-separated list
 * of org ids; unset or empty is off. Issue 14 replaces the body of this function, not its callers.
 */
export const AI_CLASSIFICATION_FLAG = "documents.ai_classification";

export function aiClassificationEnabled(env: { DOCUMENTS_AI_CLASSIFICATION?: string }, orgId: string): boolean {
  const value = env.DOCUMENTS_AI_CLASSIFICATION?.trim() ?? "";
  if (value === "") return false;
  if (value === "*") return true;
  return value.split(",").some((id) => id.trim() === orgId);
}

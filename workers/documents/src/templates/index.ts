/**
 * The public templates: the names `POST /v1/documents/render-pdf` takes (`RenderTemplateName` in
 * the contract) and the template each renders. A template is one import and one entry here.
 */
import type { RenderTemplateName } from "#contract/types.gen";
import type { z } from "zod";
import type { AppError } from "#shared/errors";
import { INPUT_RULES } from "#shared/input";
import { certificateTemplate } from "./certificate.ts";
import { declarationsTemplate } from "./declarations.ts";
import { invoice } from "./invoice.ts";
import { notice } from "./notice.ts";
import type { PdfTemplate } from "./template.ts";

/** Each entry has its own data type; callers parse data with the entry's own schema first. */
type AnyTemplate = PdfTemplate<any>;

/** Every public template by its contract name (the `satisfies` keeps it and the contract's enum in step). */
export const TEMPLATES = {
  certificate: certificateTemplate,
  declarations: declarationsTemplate,
  invoice,
  notice,
} satisfies { readonly [Name in RenderTemplateName]: AnyTemplate };

/** The template named `name`, if the platform has it. */
export function templateNamed(name: string): AnyTemplate | undefined {
  return Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name as RenderTemplateName] : undefined;
}

/**
 * `data` parsed by the template's schema, or the `validation_failed` naming each broken field by its
 * path under `data` (`data.lines.0.amount`), worded as the gateway words contract failures: a missing
 * field is rule `required`, an unknown one `unknown_field`, anything else zod's issue code.
 */
export function parseTemplateData<T>(template: PdfTemplate<T>, data: unknown): { ok: true; value: T } | { ok: false; error: AppError } {
  const parsed = template.schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = (parsed.error as z.ZodError).issues.flatMap((issue) => {
    const at = (path: PropertyKey[]) => ["data", ...path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ in: "body", field: at([...issue.path, key]), rule: "unknown_field", message: `Received unknown parameter: ${at([...issue.path, key])}` }));
    }
    const field = at(issue.path);
    const missing = valueAt(data, issue.path) === undefined;
    // A template's own cross-field rules name themselves (`params.rule`); zod's issues go by their code.
    const rule = (issue.code === "custom" && typeof issue.params?.rule === "string" ? issue.params.rule : issue.code) as string;
    return [{ in: "body", field, rule: missing ? "required" : rule, message: missing ? `Missing required field: ${field}` : `${field}: ${issue.message}` }];
  });
  const first = issues[0]!;
  return { ok: false, error: { code: "validation_failed", message: first.message, details: { field: first.field, rule: first.rule, issues: issues.slice(0, INPUT_RULES.maxIssues) } } };
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

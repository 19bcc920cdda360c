/**
 * Rendering a PDF to a stored `rendered` document: from one of the named templates (its data
 * checked by the template's schema) or from HTML of the subset (./pdf/html-subset.ts). The PDF is
 * laid out in memory (at most {@link RENDER_LIMITS.maxPages} pages) and then stored like any other
 * document, so a render that fails stores nothing.
 */
import type { Principal } from "#shared/auth";
import { clockOf } from "#shared/clock";
import { fail, invalid, type Result } from "#shared/errors";
import { checkInput } from "#shared/input";
import type { DocumentRecord, RenderDocumentInput } from "#shared/rpc";
import { storeDocument, type DocumentsDeps } from "./documents.service.ts";
import { htmlDefinition } from "./pdf/html-definition.ts";
import { checkHtml, HTML_LIMITS, type HtmlIssue } from "./pdf/html-subset.ts";
import { renderPdf, TooManyPagesError, type RenderedPdf } from "./pdf/render.ts";
import { parseTemplateData, templateNamed, TEMPLATES } from "./templates/index.ts";

/** DECISIONS.md, "Documents": at most 256 KiB of HTML and 50 pages. */
export const RENDER_LIMITS = { maxHtmlBytes: HTML_LIMITS.maxBytes, maxPages: 50 } as const;

/** What a render lays out: the PDF (bounded to `maxPages`, titled `title`), and what the document records it was made from. */
interface Source {
  render(maxPages: number): Promise<RenderedPdf>;
  title: string;
  template: string;
  /** The request field a page-limit refusal names. */
  field: "data" | "html";
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The request's `template` + `data`, or `html`, as a definition to render; a refusal names the field and rule. */
async function sourceOf(input: RenderDocumentInput): Promise<Result<Source>> {
  const hasTemplate = input.template !== undefined;
  const hasHtml = input.html !== undefined;
  if (hasTemplate === hasHtml) {
    return fail("validation_failed", hasTemplate ? "Send either template (with data) or html, not both" : "Send template (with data) or html", { field: "template", rule: hasTemplate ? "exclusive" : "required" });
  }
  if (hasTemplate) {
    const template = typeof input.template === "string" ? templateNamed(input.template) : undefined;
    if (!template) return invalid("template", "enum", `template must be one of ${Object.keys(TEMPLATES).join(", ")}`);
    if (input.data === undefined) return invalid("data", "required", "Missing required field: data");
    if (!isPlainObject(input.data)) return invalid("data", "invalid_type", "data must be an object");
    const data = parseTemplateData(template, input.data);
    if (!data.ok) return data;
    const title = input.title ?? template.title(data.value);
    return { ok: true, value: { render: (maxPages) => template.render(data.value, { maxPages, title }), title, template: template.name, field: "data" } };
  }
  if (input.data !== undefined) return invalid("data", "not_allowed", "data goes with template; html takes none");
  if (typeof input.html !== "string") return invalid("html", "invalid_type", "html must be a string");
  const checked = await checkHtml(input.html);
  if (!checked.ok) return htmlRefusal(checked.issues);
  const title = input.title ?? checked.value.title ?? "Document";
  const definition = htmlDefinition(checked.value, title);
  return { ok: true, value: { render: (maxPages) => renderPdf({ ...definition, info: { ...definition.info, title } }, { maxPages }), title, template: "html", field: "html" } };
}

/** The subset's refusal: the most serious rule as `details.rule`, every issue listed. */
function htmlRefusal(issues: HtmlIssue[]): Result<never> {
  const first = issues[0]!;
  const at = (issue: HtmlIssue) => ({ in: "body", field: "html", rule: issue.rule, message: issue.message, ...(issue.element ? { element: issue.element } : {}), ...(issue.attribute ? { attribute: issue.attribute } : {}) });
  return fail("validation_failed", `html: ${first.message}`, {
    field: "html",
    rule: first.rule,
    ...(first.rule === "max_html_bytes" ? { limit: RENDER_LIMITS.maxHtmlBytes } : {}),
    issues: issues.map(at),
  });
}

/** A file name for the download: the caller's (with `.pdf` added when missing) or the title's. */
function filenameOf(input: RenderDocumentInput, title: string): string {
  const given = input.filename;
  if (given !== undefined) return /\.pdf$/i.test(given) ? given : `${given}.pdf`;
  // A title may hold what a file name may not (the store would refuse it): path separators become dashes.
  const stem = title.replace(/[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, "").replace(/[/\\]/g, "-").trim().slice(0, 200);
  return `${stem || "document"}.pdf`;
}

/**
 * Renders `input` and stores the PDF as the org's `rendered` document. Input arriving over RPC is
 * held to the platform's input rules again (strings trimmed, controls refused, money and dates
 * bounded), as the gateway holds it at the door.
 */
export async function renderDocument(deps: DocumentsDeps, principal: Principal, input: RenderDocumentInput): Promise<Result<DocumentRecord>> {
  if (!isPlainObject(input)) return invalid("body", "invalid_type", "The render request must be an object");
  const cleaned = checkInput(input, clockOf(principal).today());
  if (!cleaned.ok) return cleaned;
  const source = await sourceOf(cleaned.value);
  if (!source.ok) return source;
  const { render, title, template, field } = source.value;
  let bytes: Uint8Array;
  try {
    bytes = (await render(RENDER_LIMITS.maxPages)).bytes;
  } catch (error) {
    if (!(error instanceof TooManyPagesError)) throw error;
    return fail("validation_failed", `The PDF runs to ${error.pages} pages; at most ${error.limit} are rendered`, { field, rule: "max_pages", limit: error.limit, pages: error.pages });
  }
  return storeDocument(deps, principal, { kind: "rendered", filename: filenameOf(cleaned.value, title), body: bytes, template });
}

/**
 * A named PDF template: the data it takes (a zod schema, so a missing field is a 400 that names it)
 * and how it becomes a PDF. Certificates, declarations pages, MCS-90s, invoices and notices are all
 * templates; `POST /v1/documents/render-pdf` renders any public one.
 *
 * Most templates are pdfmake definitions ({@link defineTemplate}), laid out by pdfmake. A template
 * issued on the hot path whose layout is known in advance (the certificate of insurance) is drawn
 * directly instead ({@link defineDrawnTemplate}, pdf/flow.ts), an order of magnitude cheaper.
 */
import type { z } from "zod";
import { Flow } from "../pdf/flow.ts";
import type { PdfInfo } from "../pdf/page-writer.ts";
import { renderPdf, type RenderedPdf, type TDocumentDefinitions } from "../pdf/render.ts";

/** How a render is bounded and titled. */
export interface RenderOptions {
  /** Past this many pages the render throws `TooManyPagesError`. */
  maxPages?: number;
  /** The PDF's title instead of the template's own. */
  title?: string;
}

export interface PdfTemplate<T = unknown> {
  /** The name `render-pdf` takes and the document records (`template` in its metadata). */
  readonly name: string;
  /** What `data` must hold. Parsed before layout; its issues become the 400's `details`. */
  readonly schema: z.ZodType<T>;
  /** The PDF's title (its metadata and the download's file name stem). */
  title(data: T): string;
  /** The PDF of already parsed `data`. */
  render(data: T, options?: RenderOptions): Promise<RenderedPdf>;
}

/** A template laid out by pdfmake. */
export interface DefinedTemplate<T> extends PdfTemplate<T> {
  /** A fresh definition every call (pdfmake rewrites the one it renders). */
  definition(data: T): TDocumentDefinitions;
}

/** Declares a pdfmake template with its data type inferred from the schema. */
export function defineTemplate<S extends z.ZodType>(template: Omit<DefinedTemplate<z.infer<S>>, "render"> & { schema: S }): DefinedTemplate<z.infer<S>> {
  return {
    ...template,
    render(data, options = {}) {
      const definition = template.definition(data);
      return renderPdf(options.title ? { ...definition, info: { ...definition.info, title: options.title } } : definition, options);
    },
  };
}

/** Hard ceiling of a drawn template's pages when the caller names none. */
const DRAWN_MAX_PAGES = 50;

/** Declares a template drawn on the platform's page by `draw`, which answers the PDF's metadata. */
export function defineDrawnTemplate<S extends z.ZodType>(
  template: Omit<PdfTemplate<z.infer<S>>, "render"> & { schema: S; draw(data: z.infer<S>, flow: Flow): Omit<PdfInfo, "title"> & { title?: string } },
): PdfTemplate<z.infer<S>> & { draw: typeof template.draw } {
  return {
    ...template,
    render(data, options = {}) {
      const flow = new Flow(options.maxPages ?? DRAWN_MAX_PAGES);
      const info = template.draw(data, flow);
      return flow.finish({ ...info, title: options.title ?? info.title ?? template.title(data) });
    },
  };
}

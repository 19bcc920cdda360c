/**
 * A named PDF template: the data it takes (a zod schema, so a missing field is a 400 that names it)
 * and the pdfmake definition it lays that data out as. Certificates, declarations pages, MCS-90s,
 * invoices and notices are all templates; `POST /v1/documents/render-pdf` renders any public one.
 */
import type { z } from "zod";
import type { TDocumentDefinitions } from "../pdf/render.ts";

export interface PdfTemplate<T = unknown> {
  /** The name `render-pdf` takes and the document records (`template` in its metadata). */
  readonly name: string;
  /** What `data` must hold. Parsed before layout; its issues become the 400's `details`. */
  readonly schema: z.ZodType<T>;
  /** The PDF's title (its metadata and the download's file name stem). */
  title(data: T): string;
  /** A fresh definition every call (pdfmake rewrites the one it renders). */
  definition(data: T): TDocumentDefinitions;
}

/** Declares a template with its data type inferred from the schema. */
export function defineTemplate<S extends z.ZodType>(template: PdfTemplate<z.infer<S>> & { schema: S }): PdfTemplate<z.infer<S>> {
  return template;
}

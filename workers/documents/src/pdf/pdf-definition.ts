/**
 * pdfmake's document definition, typed as far as the templates need: content is text, a node
 * (`{text}`, `{table}`, `{columns}`, `{stack}`, `{ul}`, `{image}` …, with style properties) or a
 * list of those. pdfmake validates node shapes itself as it lays them out.
 */
export type Content = string | ContentNode | Content[];

/** One layout node; its keys are pdfmake's (text, table, columns, stack, style, margin, …). */
export interface ContentNode {
  [property: string]: unknown;
}

export type Margins = [left: number, top: number, right: number, bottom: number];

export interface TDocumentDefinitions {
  content: Content;
  pageSize?: string;
  pageMargins?: Margins;
  pageOrientation?: "portrait" | "landscape";
  defaultStyle?: Record<string, unknown>;
  styles?: Record<string, Record<string, unknown>>;
  info?: { title?: string; author?: string; subject?: string; keywords?: string; creator?: string; producer?: string };
  header?: Content | ((currentPage: number, pageCount: number) => Content);
  footer?: Content | ((currentPage: number, pageCount: number) => Content);
  images?: Record<string, string>;
}

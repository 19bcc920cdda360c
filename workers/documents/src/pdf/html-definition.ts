/**
 * A checked HTML tree (./html-subset.ts) as a pdfmake definition, through html-to-pdfmake: the
 * platform's type sizes for headings and paragraphs, and every image fitted to the page.
 */
import htmlToPdfmake from "html-to-pdfmake";
import type { CheckedHtml } from "./html-subset.ts";
import type { Content, TDocumentDefinitions } from "./pdf-definition.ts";

/** The largest box an image may take: the page inside its margins (US Letter, half-inch margins). */
const IMAGE_FIT: [number, number] = [540, 700];

/** Headings and blocks in the platform's type scale (pdfmake points; the body is 9 pt Roboto). */
const DEFAULT_STYLES = {
  h1: { fontSize: 18, bold: true, marginBottom: 6 },
  h2: { fontSize: 15, bold: true, marginBottom: 5 },
  h3: { fontSize: 13, bold: true, marginBottom: 4 },
  h4: { fontSize: 11, bold: true, marginBottom: 3 },
  h5: { fontSize: 10, bold: true, marginBottom: 2 },
  h6: { fontSize: 9, bold: true, marginBottom: 2 },
  p: { margin: [0, 3, 0, 6] },
  small: { fontSize: 7 },
  blockquote: { margin: [14, 3, 0, 6], italics: true },
  a: { color: "#1a4fa0", decoration: "underline" },
  th: { bold: true, fillColor: "#eeeeee" },
};

/**
 * A fresh definition of `html` (pdfmake rewrites the one it renders). The tree is handed to
 * html-to-pdfmake as parsed: its `DOMParser` returns the checked document, so nothing is re-parsed.
 */
export function htmlDefinition(html: CheckedHtml, title: string): TDocumentDefinitions {
  const content = htmlToPdfmake("", {
    window: { DOMParser: class { parseFromString = () => html.document } },
    defaultStyles: DEFAULT_STYLES,
    // Class names would become pdfmake style names; the subset keeps no classes.
    removeTagClasses: true,
  });
  fitImages(content);
  return { info: { title }, content };
}

/** Every image without an explicit size is fitted to the page, so a large picture is scaled, not cut. */
function fitImages(content: Content): void {
  const stack: unknown[] = [content];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.image === "string" && record.width === undefined && record.height === undefined) record.fit = IMAGE_FIT;
      for (const value of Object.values(record)) if (value && typeof value === "object") stack.push(value);
    }
  }
}

/**
 * PDF rendering inside workerd, with no browser: pdfmake's browser build (what wrangler and Vite
 * pick through its `browser` field) lays out a document definition into a PDF whose text is a real
 * text layer in an embedded TrueType font. The font is Roboto, as pdfmake ships it base64 in
 * `build/vfs_fonts.js`, so the bundle carries it with no Data-module rule and nothing is fetched.
 *
 * pdfmake is patched (patches/pdfmake+0.3.11.patch, applied by `npm install`'s postinstall): each
 * font file is parsed by fontkit once per isolate rather than once per document, the shaped runs of
 * words are shared by the documents of a font, and streams deflate at the fastest level. Each
 * subset starts with printable ASCII in code-point order, so that documents differing only in ASCII
 * text have the same glyph list, and the embedded font program (encoded and deflated) is kept per
 * isolate by that list; a content stream's operators become bytes once, not one Buffer each. Those
 * were most of a certificate's render (about 21 ms of CPU down to about 14 in Node). Only read-only
 * state is shared: each document still has its own subset, widths and ToUnicode map
 * (test/documents/pdf.test.ts holds two documents to their own).
 *
 * Templates (./templates) build the definitions; this module only renders them.
 */
import pdfmake from "pdfmake/build/pdfmake";
import vfs from "pdfmake/build/vfs_fonts";
import { Turns } from "../turns.ts";
import type { TDocumentDefinitions } from "./pdf-definition.ts";

export type { Content, ContentNode, TDocumentDefinitions } from "./pdf-definition.ts";

/** Roboto in four faces, the names pdfmake's vfs_fonts.js registers. */
const FONTS = {
  Roboto: { normal: "Roboto-Regular.ttf", bold: "Roboto-Medium.ttf", italics: "Roboto-Italic.ttf", bolditalics: "Roboto-MediumItalic.ttf" },
};

let ready = false;
/** The browser build keeps one module-level font store: fill it once per isolate. */
function prepare(): void {
  if (ready) return;
  pdfmake.addVirtualFileSystem(vfs);
  pdfmake.setFonts(FONTS);
  // Nothing a definition names is ever fetched: images come in as data: URIs or not at all.
  pdfmake.setUrlAccessPolicy(() => false);
  ready = true;
}

/** The platform's page: US Letter, Roboto 9 pt, half-inch margins. A definition overrides any of it. */
const PAGE: Partial<TDocumentDefinitions> = {
  pageSize: "LETTER",
  pageMargins: [36, 36, 36, 48],
  defaultStyle: { font: "Roboto", fontSize: 9, lineHeight: 1.15 },
};

/** What a render produced: the bytes and how many pages they hold. */
export interface RenderedPdf {
  bytes: Uint8Array;
  pages: number;
}

/**
 * Renders one definition. Pass a fresh definition every call: pdfmake rewrites the one it is given
 * in place (table cells become objects), so a definition reused across renders comes out wrong.
 * `maxPages` stops a runaway layout: a longer document throws {@link TooManyPagesError}.
 */
export async function renderPdf(definition: TDocumentDefinitions, options: { maxPages?: number } = {}): Promise<RenderedPdf> {
  return oneAtATime(() => render(definition, options));
}

/**
 * The browser build carries browserify's `process.nextTick` shim: one module-level queue drained by
 * a timer that the first caller schedules. Two renders interleaved in one isolate (two requests at
 * once) put one request's callbacks on the other's timer; when that request ends first its timer is
 * cancelled, the queue is never drained again and every later render in the isolate hangs. So renders
 * run one at a time per isolate; a holder silent for 30 s (its request died mid-render) is presumed gone.
 */
const renders = new Turns(30_000);
const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => renders.run("render", run);

async function render(definition: TDocumentDefinitions, options: { maxPages?: number }): Promise<RenderedPdf> {
  prepare();
  let pages = 0;
  const full: TDocumentDefinitions = {
    ...PAGE,
    ...definition,
    defaultStyle: { ...PAGE.defaultStyle, ...definition.defaultStyle },
    info: { producer: "OpenInsure", creator: "OpenInsure", ...definition.info },
    // Called once per page as it is laid out: counting here is how the page limit is enforced.
    footer: (current, count) => {
      pages = count;
      if (options.maxPages !== undefined && count > options.maxPages) throw new TooManyPagesError(count, options.maxPages);
      return typeof definition.footer === "function" ? definition.footer(current, count) : (definition.footer ?? pageFooter(current, count));
    },
  };
  let buffer: ArrayBuffer | Uint8Array;
  try {
    buffer = await pdfmake.createPdf(full).getBuffer();
  } catch (error) {
    // The browser build's process.nextTick shim drains its queue from one setTimeout and schedules
    // that timer only when the queue was empty. A render that throws midway (the page limit, a bad
    // image) leaves ticks queued with the timer pending; if the request ended now, workerd would
    // cancel the timer and every later render in this isolate would wait forever on a queue nobody
    // drains. One turn of the event loop lets the pending drain run first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    throw error;
  }
  return { bytes: new Uint8Array(buffer), pages };
}

/** "Page 2 of 3", small and centred, on every page that names no footer of its own. */
function pageFooter(current: number, count: number) {
  return { text: `Page ${current} of ${count}`, alignment: "center" as const, fontSize: 7, color: "#666666", margin: [0, 16, 0, 0] as [number, number, number, number] };
}

/** A document laid out past its page limit. */
export class TooManyPagesError extends Error {
  constructor(
    readonly pages: number,
    readonly limit: number,
  ) {
    super(`the document runs to ${pages} pages; the limit is ${limit}`);
    this.name = "TooManyPagesError";
  }
}

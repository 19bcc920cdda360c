/**
 * A PDF drawn directly: text at given positions in the platform's faces (./faces.ts), and ruled
 * lines, on US Letter pages, serialised by pdf-lib. For paper whose layout the platform knows in
 * advance (the certificate of insurance), drawing beats laying out a pdfmake definition by an
 * order of magnitude: nothing is measured twice, and the font programs are made once per isolate.
 *
 * Text is real text: each face is a Type 0 font (Identity-H) over a TrueType subset with its glyph
 * widths and a ToUnicode map, so the text layer reads back as what was drawn (pdf/text.ts).
 * Coordinates are in points from the page's top-left corner, the way layouts think; the writer
 * turns them into PDF's bottom-up space.
 */
import { PDFDocument, PDFHexString, PDFName, PDFRawStream, PDFString, type PDFRef } from "pdf-lib";
import { deflated, roboto, type EmbeddedSubset, type Face, type FaceName } from "./faces.ts";

/** US Letter in points. */
export const LETTER = { width: 612, height: 792 } as const;

/** An RGB colour as `#rrggbb`. */
export type Color = `#${string}`;

export interface TextStyle {
  face?: FaceName;
  size?: number;
  color?: Color;
}

/** What a drawn PDF says about itself (its Info dictionary). */
export interface PdfInfo {
  title: string;
  subject?: string;
}

type Op = { kind: "text"; x: number; baseline: number; text: string; face: FaceName; size: number; color: Color } | { kind: "line"; x1: number; y1: number; x2: number; y2: number; width: number; color: Color };

const BLACK: Color = "#000000";

/** A document being drawn: pages of text and lines, written out by {@link DrawnPdf.bytes}. */
export class DrawnPdf {
  readonly faces = roboto();
  private readonly pages: Op[][] = [];
  private readonly used: Record<FaceName, Set<number>> = { regular: new Set(), medium: new Set() };

  /** Starts a new page and answers its index. */
  addPage(): number {
    this.pages.push([]);
    return this.pages.length - 1;
  }

  get pageCount(): number {
    return this.pages.length;
  }

  face(name: FaceName = "regular"): Face {
    return this.faces[name];
  }

  /** `text` on one line whose baseline is `baseline` points below the page's top edge. */
  text(page: number, x: number, baseline: number, text: string, style: TextStyle = {}): void {
    if (text.length === 0) return;
    const face = style.face ?? "regular";
    for (const char of text) this.used[face].add(char.codePointAt(0)!);
    this.pages[page]!.push({ kind: "text", x, baseline, text, face, size: style.size ?? 9, color: style.color ?? BLACK });
  }

  /** A straight rule between two points (top-left coordinates). */
  line(page: number, x1: number, y1: number, x2: number, y2: number, width: number, color: Color): void {
    this.pages[page]!.push({ kind: "line", x1, y1, x2, y2, width, color });
  }

  /** The PDF: each used face embedded once as the subset of what this document drew. */
  async bytes(info: PdfInfo): Promise<Uint8Array> {
    const doc = await PDFDocument.create({ updateMetadata: false });
    const now = new Date();
    doc.setTitle(info.title);
    if (info.subject) doc.setSubject(info.subject);
    doc.setProducer("OpenInsure");
    doc.setCreator("OpenInsure");
    doc.setCreationDate(now);
    doc.setModificationDate(now);

    const names = (Object.keys(this.used) as FaceName[]).filter((name) => this.used[name].size > 0);
    const subsets = await Promise.all(names.map((name) => this.faces[name].subset(this.used[name])));
    const fonts = new Map<FaceName, { resource: PDFName; ref: PDFRef; subset: EmbeddedSubset }>();
    names.forEach((name, i) => fonts.set(name, { resource: PDFName.of(`F${i + 1}`), ref: embedFont(doc, this.faces[name], subsets[i]!), subset: subsets[i]! }));

    const streams = await Promise.all(this.pages.map((ops) => deflated(new TextEncoder().encode(contentStream(ops, fonts)))));
    for (const stream of streams) {
      const page = doc.addPage([LETTER.width, LETTER.height]);
      for (const font of fonts.values()) page.node.setFontDictionary(font.resource, font.ref);
      const contents = doc.context.register(PDFRawStream.of(doc.context.obj({ Length: stream.length, Filter: "FlateDecode" }), stream));
      page.node.addContentStream(contents);
    }
    return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
  }
}

/** A six-letter subset tag (PDF 32000-1 §9.6.4) derived from the glyph list, so equal subsets are named alike. */
function subsetTag(subset: EmbeddedSubset): string {
  let hash = 2166136261;
  for (const [cp, cid] of subset.cids) hash = Math.imul(hash ^ (cp * 31 + cid), 16777619);
  let tag = "";
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + ((hash >>> 0) % 26));
    hash = Math.imul(hash, 16777619) ^ i;
  }
  return tag;
}

function embedFont(doc: PDFDocument, face: Face, subset: EmbeddedSubset): PDFRef {
  const { context } = doc;
  const baseFont = `${subsetTag(subset)}+${face.postscriptName}`;
  const m = face.metrics;
  const program = context.register(PDFRawStream.of(context.obj({ Length: subset.program.length, Length1: subset.programLength, Filter: "FlateDecode" }), subset.program));
  const descriptor = context.register(
    context.obj({
      Type: "FontDescriptor",
      FontName: baseFont,
      // Nonsymbolic (32): the glyphs are the standard Latin set.
      Flags: 32,
      FontBBox: m.bbox,
      ItalicAngle: m.italicAngle,
      Ascent: m.ascent,
      Descent: m.descent,
      CapHeight: m.capHeight,
      StemV: face.name === "medium" ? 120 : 80,
      FontFile2: program,
    }),
  );
  const unicodeRef = context.register(PDFRawStream.of(context.obj({ Length: subset.toUnicode.length, Filter: "FlateDecode" }), subset.toUnicode));
  const cidFont = context.register(
    context.obj({
      Type: "Font",
      Subtype: "CIDFontType2",
      BaseFont: baseFont,
      CIDSystemInfo: { Registry: PDFString.of("Adobe"), Ordering: PDFString.of("Identity"), Supplement: 0 },
      FontDescriptor: descriptor,
      // Widths of CIDs 1…n, in one run.
      W: [1, subset.widths],
      CIDToGIDMap: "Identity",
    }),
  );
  return context.register(context.obj({ Type: "Font", Subtype: "Type0", BaseFont: baseFont, Encoding: "Identity-H", DescendantFonts: [cidFont], ToUnicode: unicodeRef }));
}

const num = (n: number) => (Math.round(n * 100) / 100).toString();

function rgb(color: Color): string {
  const v = Number.parseInt(color.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((c) => num(c / 255)).join(" ");
}

/** The page's operators: lines first, then the text in drawing order (the order it reads back in). */
function contentStream(ops: Op[], fonts: Map<FaceName, { resource: PDFName; subset: EmbeddedSubset }>): string {
  const out: string[] = [];
  for (const op of ops) {
    if (op.kind !== "line") continue;
    out.push(`${num(op.width)} w ${rgb(op.color)} RG ${num(op.x1)} ${num(LETTER.height - op.y1)} m ${num(op.x2)} ${num(LETTER.height - op.y2)} l S`);
  }
  out.push("BT");
  let current = "";
  let color = "";
  for (const op of ops) {
    if (op.kind !== "text") continue;
    const font = fonts.get(op.face)!;
    const selected = `${font.resource.toString()} ${num(op.size)} Tf`;
    if (selected !== current) out.push((current = selected));
    const fill = `${rgb(op.color)} rg`;
    if (fill !== color) out.push((color = fill));
    let glyphs = "";
    for (const char of op.text) glyphs += (font.subset.cids.get(char.codePointAt(0)!) ?? 0).toString(16).padStart(4, "0");
    out.push(`1 0 0 1 ${num(op.x)} ${num(LETTER.height - op.baseline)} Tm ${PDFHexString.of(glyphs).toString()} Tj`);
  }
  out.push("ET");
  return out.join("\n");
}

/**
 * The platform's type faces for PDFs drawn directly (./page-writer.ts): Roboto Regular and Medium,
 * the same TrueType files pdfmake embeds (pdfmake's `vfs_fonts.js`), parsed by fontkit once per
 * isolate. A face answers a character's glyph and advance width without shaping (the platform's
 * paper is Latin text set left to right, where a glyph per code point is exact), and embeds itself
 * as a subset of the glyphs a document used.
 *
 * Every subset starts with printable ASCII in code-point order, then whatever else the document
 * used, in code-point order: documents that differ only in ASCII text share one subset, so its
 * font program (encoded and deflated) is made once per isolate and kept, and a document that adds
 * `ł` or `é` gets (and caches) its own.
 */
import * as fontkit from "fontkit";
import vfs from "pdfmake/build/vfs_fonts";

/** fontkit's font, as far as this module reads it. */
interface FontkitFont {
  unitsPerEm: number;
  ascent: number;
  descent: number;
  capHeight: number;
  italicAngle: number;
  bbox: { minX: number; minY: number; maxX: number; maxY: number };
  postscriptName: string;
  glyphForCodePoint(codePoint: number): { id: number; advanceWidth: number };
  createSubset(): { includeGlyph(id: number): number; encode(): Uint8Array };
}

/** The faces a drawn document may use. */
export type FaceName = "regular" | "medium";

const FILES: Record<FaceName, string> = { regular: "Roboto-Regular.ttf", medium: "Roboto-Medium.ttf" };

/** Printable ASCII, the start of every subset. */
const ASCII = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => 0x20 + i);

/** Subset programs kept per face: a few glyph lists cover nearly every document. */
const MAX_CACHED_SUBSETS = 16;

/** A subset as a document embeds it: the font program, its glyph widths and the ToUnicode map. */
export interface EmbeddedSubset {
  /** Deflated TrueType program (`/FontFile2`, FlateDecode) and its inflated length. */
  program: Uint8Array;
  programLength: number;
  /** Subset glyph id (CID) of each code point the document used. */
  cids: Map<number, number>;
  /** `/W` entries: CID → width in thousandths of an em, for CIDs 1…n in order. */
  widths: number[];
  /** The ToUnicode CMap (deflated), so that the text layer reads back as the characters drawn. */
  toUnicode: Uint8Array;
}

export class Face {
  readonly name: FaceName;
  private readonly font: FontkitFont;
  private readonly scale: number;
  private readonly widths = new Map<number, number>();
  private readonly subsets = new Map<string, Promise<EmbeddedSubset>>();

  constructor(name: FaceName, font: FontkitFont) {
    this.name = name;
    this.font = font;
    this.scale = 1000 / font.unitsPerEm;
  }

  /** The PostScript name (`Roboto-Medium`), prefixed by a subset tag in the PDF. */
  get postscriptName(): string {
    return this.font.postscriptName;
  }

  /** Font-wide metrics in thousandths of an em, for the font descriptor and for line placement. */
  get metrics() {
    const { ascent, descent, capHeight, italicAngle, bbox } = this.font;
    const s = this.scale;
    return {
      ascent: Math.round(ascent * s),
      descent: Math.round(descent * s),
      capHeight: Math.round(capHeight * s),
      italicAngle,
      bbox: [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => Math.round(v * s)),
    };
  }

  /** The advance of one code point in thousandths of an em. */
  advance(codePoint: number): number {
    let width = this.widths.get(codePoint);
    if (width === undefined) {
      width = this.font.glyphForCodePoint(codePoint).advanceWidth * this.scale;
      this.widths.set(codePoint, width);
    }
    return width;
  }

  /** The width of `text` set at `size` points. */
  widthOf(text: string, size: number): number {
    let total = 0;
    for (const char of text) total += this.advance(char.codePointAt(0)!);
    return (total * size) / 1000;
  }

  /** The subset holding printable ASCII and every code point in `used`, made once per distinct glyph list. */
  subset(used: Iterable<number>): Promise<EmbeddedSubset> {
    const extra = [...new Set(used)].filter((cp) => cp < 0x20 || cp > 0x7e).sort((a, b) => a - b);
    const key = extra.join(",");
    const cached = this.subsets.get(key);
    if (cached) {
      // Most recently used last, so the oldest is the one evicted.
      this.subsets.delete(key);
      this.subsets.set(key, cached);
      return cached;
    }
    const made = this.makeSubset([...ASCII, ...extra]);
    this.subsets.set(key, made);
    // A subset that failed to build is not kept: the next document tries again.
    made.catch(() => this.subsets.delete(key));
    if (this.subsets.size > MAX_CACHED_SUBSETS) this.subsets.delete(this.subsets.keys().next().value!);
    return made;
  }

  private async makeSubset(codePoints: number[]): Promise<EmbeddedSubset> {
    const subset = this.font.createSubset();
    const cids = new Map<number, number>();
    const widths: number[] = [];
    const unicode: string[] = [];
    for (const cp of codePoints) {
      const glyph = this.font.glyphForCodePoint(cp);
      const cid = subset.includeGlyph(glyph.id);
      cids.set(cp, cid);
      // Two code points on one glyph (a missing character is .notdef, CID 0) keep the first's width and text.
      if (cid === widths.length + 1) {
        widths.push(Math.round(glyph.advanceWidth * this.scale));
        unicode.push(`<${hex4(cid)}> <${utf16Hex(cp)}>`);
      }
    }
    const raw = subset.encode();
    const [program, toUnicode] = await Promise.all([deflated(raw), deflated(new TextEncoder().encode(toUnicodeCMap(unicode)))]);
    return { program, programLength: raw.length, cids, widths, toUnicode };
  }
}

const hex4 = (n: number) => n.toString(16).padStart(4, "0");

function utf16Hex(codePoint: number): string {
  const text = String.fromCodePoint(codePoint);
  let out = "";
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i));
  return out;
}

/** `bytes` deflated in zlib format (what `/FlateDecode` reads), by the runtime's own compressor. */
export async function deflated(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A ToUnicode CMap of `bfchar` lines (at most 100 per block, as the CMap format requires). */
function toUnicodeCMap(lines: string[]): string {
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; i += 100) {
    const block = lines.slice(i, i + 100);
    blocks.push(`${block.length} beginbfchar\n${block.join("\n")}\nendbfchar`);
  }
  return [
    "/CIDInit /ProcSet findresource begin",
    "12 dict begin",
    "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
    "/CMapName /Adobe-Identity-UCS def",
    "/CMapType 2 def",
    "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange",
    ...blocks,
    "endcmap",
    "CMapName currentdict /CMap defineresource pop",
    "end",
    "end",
  ].join("\n");
}

let faces: Record<FaceName, Face> | undefined;

/** The faces, parsed on first use and kept for the isolate's life. */
export function roboto(): Record<FaceName, Face> {
  faces ??= {
    regular: new Face("regular", load(FILES.regular)),
    medium: new Face("medium", load(FILES.medium)),
  };
  return faces;
}

function load(file: string): FontkitFont {
  const base64 = (vfs as Record<string, string>)[file];
  if (!base64) throw new Error(`pdfmake's vfs has no ${file}`);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return fontkit.create(bytes) as FontkitFont;
}

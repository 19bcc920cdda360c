/**
 * Top-to-bottom layout on a {@link DrawnPdf}: the platform's page (US Letter, half-inch margins,
 * Roboto 9 pt at 1.15 line height, "Page n of m" at the foot), text wrapped at word boundaries to
 * a width, and the blocks the platform's paper is made of (a title band, small print, captioned
 * boxes, two boxes side by side, a ruled table), in the look pdf/../templates/layout.ts gives
 * pdfmake paper. A block that does not fit the rest of the page starts the next one; a table
 * repeats its header there.
 */
import type { FaceName } from "./faces.ts";
import { DrawnPdf, LETTER, type Color, type PdfInfo } from "./page-writer.ts";
import { TooManyPagesError, type RenderedPdf } from "./render.ts";

const MARGIN = { left: 36, top: 36, right: 36, bottom: 48 } as const;
export const CONTENT_WIDTH = LETTER.width - MARGIN.left - MARGIN.right;
const LINE_HEIGHT = 1.15;

export const LABEL: Color = "#52606d";
const RULE: Color = "#9aa5b1";
const FOOTER: Color = "#666666";
const RULE_WIDTH = 0.5;
const PAD = { x: 4, y: 2 } as const;

/** A run of text in one style; a line is a list of runs. */
export interface Run {
  text: string;
  face?: FaceName;
  color?: Color;
}

/** A paragraph: runs set at one size, wrapped to the block's width. */
export interface Paragraph {
  runs: Run[];
  size?: number;
  align?: "left" | "right" | "center";
}

interface PlacedLine {
  runs: Required<Run>[];
  width: number;
}

/** Drawing of one block: at `top` (points from the page's top edge) on `page`, `width` wide. */
type Draw = (page: number, left: number, top: number) => void;

/** A block measured before it is placed: its height, and how to draw it once placed. */
export interface Block {
  height: number;
  draw: Draw;
  /** Space left below the block. */
  after?: number;
  /** What to draw first on a new page this block starts (a table's header). */
  repeat?: Block;
}

export class Flow {
  readonly pdf = new DrawnPdf();
  private page = -1;
  private y = 0;

  constructor(private readonly maxPages: number) {
    this.newPage();
  }

  private newPage(): void {
    if (this.pdf.pageCount >= this.maxPages) throw new TooManyPagesError(this.pdf.pageCount + 1, this.maxPages);
    this.page = this.pdf.addPage();
    this.y = MARGIN.top;
  }

  private get bottom(): number {
    return LETTER.height - MARGIN.bottom;
  }

  /** Places `blocks` in order, each on the current page when it fits and on a new one when not. */
  add(...blocks: Block[]): this {
    for (const block of blocks) {
      if (this.y + block.height > this.bottom && this.y > MARGIN.top) {
        this.newPage();
        if (block.repeat) this.place(block.repeat);
      }
      if (this.y + block.height > this.bottom) throw new Error(`a block of ${block.height} pt is taller than a page`);
      this.place(block);
    }
    return this;
  }

  private place(block: Block): void {
    block.draw(this.page, MARGIN.left, this.y);
    this.y += block.height + (block.after ?? 0);
  }

  /** Footers written, the PDF serialised. */
  async finish(info: PdfInfo): Promise<RenderedPdf> {
    const pages = this.pdf.pageCount;
    for (let page = 0; page < pages; page++) {
      const text = `Page ${page + 1} of ${pages}`;
      const width = this.pdf.face("regular").widthOf(text, 7);
      this.pdf.text(page, (LETTER.width - width) / 2, this.bottom + 16 + ascentOf(this.pdf, "regular", 7), text, { size: 7, color: FOOTER });
    }
    return { bytes: await this.pdf.bytes(info), pages };
  }

  // Building blocks ---------------------------------------------------------------------------

  /** Lines of `paragraph` wrapped to `width`. */
  lines(paragraph: Paragraph, width: number): PlacedLine[] {
    return wrap(this.pdf, paragraph.runs, paragraph.size ?? 9, width);
  }

  lineHeight(size: number): number {
    const m = this.pdf.face("regular").metrics;
    return ((m.ascent - m.descent) / 1000) * size * LINE_HEIGHT;
  }

  /** Height of `paragraph` at `width`. */
  paragraphHeight(paragraph: Paragraph, width: number): number {
    return this.lines(paragraph, width).length * this.lineHeight(paragraph.size ?? 9);
  }

  /** Draws `paragraph` at `width` from (`left`, `top`); answers its height. */
  drawParagraph(page: number, left: number, top: number, width: number, paragraph: Paragraph): number {
    const size = paragraph.size ?? 9;
    const step = this.lineHeight(size);
    const lines = this.lines(paragraph, width);
    lines.forEach((line, i) => {
      const baseline = top + i * step + ascentOf(this.pdf, "regular", size);
      let x = left + (paragraph.align === "right" ? width - line.width : paragraph.align === "center" ? (width - line.width) / 2 : 0);
      for (const run of line.runs) {
        this.pdf.text(page, x, baseline, run.text, { face: run.face, size, color: run.color });
        x += this.pdf.face(run.face).widthOf(run.text, size);
      }
    });
    return lines.length * step;
  }

  /** A paragraph as a block of the full width. */
  paragraph(paragraph: Paragraph, margin: { before?: number; after?: number } = {}): Block {
    const height = this.paragraphHeight(paragraph, CONTENT_WIDTH) + (margin.before ?? 0);
    return { height, after: margin.after, draw: (page, left, top) => void this.drawParagraph(page, left, top + (margin.before ?? 0), CONTENT_WIDTH, paragraph) };
  }

  /** A title at the left and identifying lines at the right. */
  titleBand(title: string, identifiers: string[]): Block {
    const right = identifiers.map((text) => ({ runs: [{ text }], align: "right" as const }));
    const rightWidth = Math.max(...identifiers.map((text) => this.pdf.face("regular").widthOf(text, 9)), 0);
    const heading: Paragraph = { runs: [{ text: title, face: "medium" }], size: 14 };
    const leftWidth = CONTENT_WIDTH - rightWidth - 8;
    const height = Math.max(this.paragraphHeight(heading, leftWidth), right.length * this.lineHeight(9));
    return {
      height,
      after: 10,
      draw: (page, left, top) => {
        this.drawParagraph(page, left, top, leftWidth, heading);
        right.forEach((p, i) => this.drawParagraph(page, left + CONTENT_WIDTH - rightWidth, top + i * this.lineHeight(9), rightWidth, p));
      },
    };
  }

  /** Small print: notices and disclaimers, 7 pt in the label colour. */
  smallPrint(text: string): Block {
    return this.paragraph({ runs: [{ text, color: LABEL }], size: 7 }, { before: 6, after: 6 });
  }

  /** A section heading. */
  heading(text: string): Block {
    return this.paragraph({ runs: [{ text, face: "medium" }], size: 10 }, { before: 8, after: 2 });
  }

  /** A captioned box of lines: a string, or a label (in the label colour) and its value. */
  fieldBox(caption: string, lines: (string | [label: string, value: string])[], width = CONTENT_WIDTH, minHeight = 0): Block {
    const captionP: Paragraph = { runs: [{ text: caption.toUpperCase(), face: "medium", color: LABEL }], size: 7 };
    const body = lines.map((line): Paragraph => ({ runs: typeof line === "string" ? [{ text: line }] : [{ text: `${line[0]}: `, color: LABEL }, { text: line[1] }] }));
    const inner = width - 2 * PAD.x;
    const captionHeight = this.paragraphHeight(captionP, inner) + 2 * PAD.y;
    const bodyHeight = body.reduce((sum, p) => sum + this.paragraphHeight(p, inner), 0) + 2 * PAD.y;
    const height = Math.max(captionHeight + bodyHeight, minHeight);
    return {
      height,
      after: 8,
      draw: (page, left, top) => {
        this.box(page, left, top, width, height, [captionHeight]);
        this.drawParagraph(page, left + PAD.x, top + PAD.y, inner, captionP);
        let y = top + captionHeight + PAD.y;
        for (const p of body) y += this.drawParagraph(page, left + PAD.x, y, inner, p);
      },
    };
  }

  /** Two captioned boxes side by side, of equal height. */
  sideBySide(left: Parameters<Flow["fieldBox"]>, right: Parameters<Flow["fieldBox"]>): Block {
    const gap = 8;
    const width = (CONTENT_WIDTH - gap) / 2;
    const height = Math.max(this.fieldBox(left[0], left[1], width).height, this.fieldBox(right[0], right[1], width).height);
    const a = this.fieldBox(left[0], left[1], width, height);
    const b = this.fieldBox(right[0], right[1], width, height);
    return {
      height,
      after: 8,
      draw: (page, x, top) => {
        a.draw(page, x, top);
        b.draw(page, x + width + gap, top);
      },
    };
  }

  /**
   * A ruled table: a header row (8 pt, in the label colour) and one block per row, so that rows
   * flow onto the next page with the header repeated. `widths` in points, `"*"` for the rest.
   */
  table(header: string[], rows: string[][], widths: (number | "*")[]): Block[] {
    const fixed = widths.reduce<number>((sum, w) => sum + (w === "*" ? 0 : w), 0);
    const stars = widths.filter((w) => w === "*").length;
    const columns = widths.map((w) => (w === "*" ? (CONTENT_WIDTH - fixed) / stars : w));
    const row = (cells: string[], style: { size: number; face: FaceName; color?: Color }, ruleTop: boolean): Block => {
      const paragraphs = cells.map((text): Paragraph => ({ runs: [{ text, face: style.face, ...(style.color ? { color: style.color } : {}) }], size: style.size }));
      const height = Math.max(...paragraphs.map((p, i) => this.paragraphHeight(p, columns[i]! - 2 * PAD.x))) + 2 * PAD.y;
      return {
        height,
        draw: (page, left, top) => {
          let x = left;
          if (ruleTop) this.pdf.line(page, left, top, left + CONTENT_WIDTH, top, RULE_WIDTH, RULE);
          this.pdf.line(page, left, top + height, left + CONTENT_WIDTH, top + height, RULE_WIDTH, RULE);
          this.pdf.line(page, left, top, left, top + height, RULE_WIDTH, RULE);
          paragraphs.forEach((p, i) => {
            this.drawParagraph(page, x + PAD.x, top + PAD.y, columns[i]! - 2 * PAD.x, p);
            x += columns[i]!;
            this.pdf.line(page, x, top, x, top + height, RULE_WIDTH, RULE);
          });
        },
      };
    };
    const head = row(header, { size: 8, face: "medium", color: LABEL }, true);
    const body = rows.map((cells) => ({ ...row(cells, { size: 9, face: "regular" }, false), repeat: head }));
    // The header travels with the first row: a page break never strands it alone.
    const first = body[0];
    const lead: Block = first ? { height: head.height + first.height, draw: (page, left, top) => (head.draw(page, left, top), first.draw(page, left, top + head.height)) } : head;
    const blocks = [lead, ...body.slice(1)];
    blocks[blocks.length - 1] = { ...blocks[blocks.length - 1]!, after: 8 };
    return [{ height: 4, draw: () => {} }, ...blocks];
  }

  /** Vertical space. */
  space(points: number): Block {
    return { height: points, draw: () => {} };
  }

  /** A box's outline, with a rule under each of `splits` (heights from its top). */
  private box(page: number, left: number, top: number, width: number, height: number, splits: number[]): void {
    const right = left + width;
    const bottom = top + height;
    this.pdf.line(page, left, top, right, top, RULE_WIDTH, RULE);
    this.pdf.line(page, left, bottom, right, bottom, RULE_WIDTH, RULE);
    this.pdf.line(page, left, top, left, bottom, RULE_WIDTH, RULE);
    this.pdf.line(page, right, top, right, bottom, RULE_WIDTH, RULE);
    for (const split of splits) this.pdf.line(page, left, top + split, right, top + split, RULE_WIDTH, RULE);
  }
}

function ascentOf(pdf: DrawnPdf, face: FaceName, size: number): number {
  return (pdf.face(face).metrics.ascent / 1000) * size;
}

/**
 * `runs` broken into lines at most `width` points wide at `size`: at spaces where it can, inside a
 * word longer than a line where it must, and at every newline.
 */
function wrap(pdf: DrawnPdf, runs: Run[], size: number, width: number): PlacedLine[] {
  const lines: PlacedLine[] = [];
  let line: Required<Run>[] = [];
  let lineWidth = 0;
  const flush = () => {
    // A line ends without the space that broke it.
    const last = line[line.length - 1];
    if (last && last.text.endsWith(" ")) {
      const trimmed = last.text.replace(/ +$/, "");
      lineWidth -= pdf.face(last.face).widthOf(last.text.slice(trimmed.length), size);
      last.text = trimmed;
    }
    lines.push({ runs: line.filter((r) => r.text.length > 0), width: lineWidth });
    line = [];
    lineWidth = 0;
  };
  const append = (text: string, face: FaceName, color: Color, w: number) => {
    const last = line[line.length - 1];
    if (last && last.face === face && last.color === color) last.text += text;
    else line.push({ text, face, color });
    lineWidth += w;
  };
  for (const run of runs) {
    const face = run.face ?? "regular";
    const color = run.color ?? "#000000";
    const font = pdf.face(face);
    run.text.split("\n").forEach((segment, index) => {
      if (index > 0) flush();
      // Words with the spaces that follow them.
      for (const word of segment.match(/[^ ]+ *| +/g) ?? []) {
        const w = font.widthOf(word, size);
        const bare = font.widthOf(word.trimEnd(), size);
        if (lineWidth + bare <= width || lineWidth === 0 && bare <= width) {
          append(word, face, color, w);
          continue;
        }
        if (lineWidth > 0) flush();
        if (bare <= width) {
          append(word, face, color, w);
          continue;
        }
        // A word longer than a line: as many characters as fit, line after line.
        let piece = "";
        for (const char of word) {
          const cw = font.widthOf(char, size);
          if (lineWidth + font.widthOf(piece, size) + cw > width && piece.length > 0) {
            append(piece, face, color, font.widthOf(piece, size));
            flush();
            piece = "";
          }
          piece += char;
        }
        if (piece) append(piece, face, color, font.widthOf(piece, size));
      }
    });
  }
  if (line.length > 0 || lines.length === 0) flush();
  return lines;
}

/**
 * The building blocks every template shares, so the platform's paper looks like one family: a
 * title band, labelled boxes of fields, ruled tables, money and dates written the same way.
 */
import type { Content } from "../pdf/render.ts";

const RULE = "#9aa5b1";
const LABEL = "#52606d";

// Made once: `toLocaleString` with options builds a new formatter on every call, a measurable part of a render.
const WHOLE_DOLLARS = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 0, maximumFractionDigits: 2 });
const DOLLARS_AND_CENTS = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** USD major units as people read them: `$1,000,000` for whole dollars, `$1,234.50` otherwise. */
export function money(amount: number): string {
  return (Number.isInteger(amount) ? WHOLE_DOLLARS : DOLLARS_AND_CENTS).format(amount);
}

/** An ISO date (`2026-12-01`) as `12/01/2026`, the way US insurance paper prints it. */
export function usDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${m}/${d}/${y}`;
}

/** The document's title and, right-aligned, the lines that identify it (number, date). */
export function titleBand(title: string, identifiers: string[] = []): Content {
  return {
    columns: [
      { text: title, bold: true, fontSize: 14, width: "*" },
      { stack: identifiers.map((line) => ({ text: line, alignment: "right" as const })), width: "auto" },
    ],
    margin: [0, 0, 0, 10],
  };
}

/** A captioned box of label/value lines: the parties of a certificate, the insured of a dec page. */
export function fieldBox(caption: string, lines: (string | [label: string, value: string])[]): Content {
  return {
    table: {
      widths: ["*"],
      body: [
        [{ text: caption.toUpperCase(), bold: true, fontSize: 7, color: LABEL }],
        [{ stack: lines.map((line) => (typeof line === "string" ? { text: line } : { text: [{ text: `${line[0]}: `, color: LABEL }, line[1]] })) }],
      ],
    },
    layout: boxLayout,
  };
}

/** A ruled table with a bold header row; `widths` default to an even split. */
export function ruledTable(header: string[], rows: string[][], widths?: (string | number)[]): Content {
  return {
    table: {
      headerRows: 1,
      widths: widths ?? header.map(() => "*"),
      body: [header.map((text) => ({ text, bold: true, fontSize: 8, color: LABEL })), ...rows.map((row) => row.map((text) => ({ text })))],
    },
    layout: boxLayout,
    margin: [0, 4, 0, 8],
  };
}

/** Small print: notices, disclaimers, the certificate's "matter of information only". */
export function smallPrint(text: string): Content {
  return { text, fontSize: 7, color: LABEL, margin: [0, 6, 0, 6] };
}

/** A section heading inside a document. */
export function sectionHeading(text: string): Content {
  return { text, bold: true, fontSize: 10, margin: [0, 8, 0, 2] };
}

/** Two boxes side by side. */
export function sideBySide(left: Content, right: Content): Content {
  return { columns: [left, right], columnGap: 8, margin: [0, 0, 0, 8] };
}

const boxLayout = {
  hLineWidth: () => 0.5,
  vLineWidth: () => 0.5,
  hLineColor: () => RULE,
  vLineColor: () => RULE,
  paddingLeft: () => 4,
  paddingRight: () => 4,
  paddingTop: () => 2,
  paddingBottom: () => 2,
};

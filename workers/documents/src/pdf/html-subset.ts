/**
 * The HTML subset `POST /v1/documents/render-pdf` accepts, judged on a parsed tree (linkedom), never
 * by pattern-matching the text: what the parser sees is exactly what is converted, because the
 * checked tree itself is handed on to the conversion (./html-definition.ts), not re-serialized.
 *
 * The rules (each refusal names its `rule`; typespec/documents/render.tsp documents them):
 * - `max_html_bytes`: at most {@link HTML_LIMITS.maxBytes} bytes of UTF-8;
 * - `no_scripts`: no `<script>`, no `on*` attribute, no `javascript:` / `vbscript:` URL, no CSS `expression()`;
 * - `no_remote_resources`: nothing that loads (`<link>`, `<iframe>`, `<object>`, `<embed>`, media, `<base>`),
 *   no `http(s)://` or protocol-relative URL where a resource is loaded from, no CSS `url(` or `@import`;
 * - `unsupported_element`: only the elements of {@link ELEMENTS}; a table holds rows, a row cells;
 * - `unsupported_image`: `<img>` only with a `data:` URI of a PNG or JPEG, at most
 *   {@link HTML_LIMITS.maxImagePixels} pixels; a PNG is inflated and its rows checked first (./png-check.ts);
 * - `unsupported_link`: `<a href>` only `https:`, `http:`, `mailto:` or `tel:` (a link is never followed);
 * - `max_depth`: elements nest at most {@link HTML_LIMITS.maxDepth} deep;
 * - `max_table_columns`: a table is at most {@link HTML_LIMITS.maxTableColumns} columns wide.
 * A page break is `page-break-before|after: always` (or `break-before|after: page`) on a block.
 * Attributes and style properties outside the subset are dropped, not refused: they change nothing a
 * PDF can show, and html-to-pdfmake would otherwise copy unknown CSS keys onto pdfmake nodes.
 */
import { DOMParser } from "linkedom";
import { checkPng } from "./png-check.ts";

export const HTML_LIMITS = {
  /** 256 KiB of UTF-8 (DECISIONS.md, "Documents"). */
  maxBytes: 256 * 1024,
  maxDepth: 48,
  maxTableColumns: 50,
  /** A PNG is decoded by pdfmake when it has alpha or is interlaced: 4 megapixels bound that memory. */
  maxImagePixels: 4_000_000,
  /** Most issues listed in one answer. */
  maxIssues: 20,
} as const;

/** The rules a refused HTML document breaks, most serious first (the first found of the highest is reported). */
export const HTML_RULES = [
  "no_scripts",
  "no_remote_resources",
  "max_depth",
  "unsupported_element",
  "unsupported_image",
  "unsupported_link",
  "max_table_columns",
] as const;
export type HtmlRule = (typeof HTML_RULES)[number] | "max_html_bytes";

export interface HtmlIssue {
  rule: HtmlRule;
  message: string;
  /** The element it concerns (lower-case tag name), when there is one. */
  element?: string;
  attribute?: string;
}

/** The minimum of the DOM this module touches, as linkedom implements it. */
export interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  parentNode: DomNode | null;
  childNodes: ArrayLike<DomNode>;
  remove(): void;
}
export interface DomElement extends DomNode {
  localName: string;
  attributes: ArrayLike<{ name: string; value: string }>;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  appendChild(node: DomNode): DomNode;
  insertBefore(node: DomNode, before: DomNode | null): DomNode;
  replaceWith(...nodes: DomNode[]): void;
}
export interface DomDocument {
  documentElement: DomElement;
  head: DomElement;
  body: DomElement;
  createElement(name: string): DomElement;
}

/** A document that passed: the tree to convert and the `<title>` it named, if any. */
export interface CheckedHtml {
  document: DomDocument;
  title: string | null;
}

const ELEMENT = 1;
const TEXT = 3;
const DOCTYPE = 10;

/** Elements of the subset, and the attributes each keeps beyond `style`. */
const ELEMENTS: Record<string, readonly string[]> = {
  h1: [], h2: [], h3: [], h4: [], h5: [], h6: [],
  p: [], br: [], hr: [], div: [], span: [], blockquote: [], pre: [], code: [], small: [],
  b: [], strong: [], i: [], em: [], u: [], s: [], del: [], strike: [], sub: [], sup: [],
  ul: [], ol: ["start", "type"], li: [],
  table: [], thead: [], tbody: [], tfoot: [], tr: [], th: ["colspan", "rowspan"], td: ["colspan", "rowspan"], colgroup: [], col: [],
  a: ["href"],
  img: ["src", "alt", "width", "height"],
};

/** A whole document may be sent: its wrappers are unwrapped, its head's title kept and the rest of the head judged. */
const WRAPPERS = new Set(["html", "body"]);
const HEAD_ONLY = new Set(["head", "title", "meta"]);

/** Elements whose purpose is to load something. */
const LOADING_ELEMENTS = new Set(["link", "iframe", "frame", "frameset", "object", "embed", "applet", "audio", "video", "source", "track", "base", "portal", "picture"]);

/** Attributes a browser fetches from (on any element); `href` is one everywhere but on `<a>`. */
const RESOURCE_ATTRIBUTES = new Set(["src", "srcset", "background", "poster", "data", "lowsrc", "dynsrc", "xlink:href", "href", "codebase", "archive", "manifest", "icon", "formaction", "action"]);

/** CSS properties html-to-pdfmake maps onto pdfmake; every other declaration is dropped. */
const CSS_PROPERTIES = new Set([
  "color", "background-color", "font-size", "font-weight", "font-style", "text-align", "text-decoration", "line-height",
  "margin", "margin-top", "margin-right", "margin-bottom", "margin-left", "text-indent", "white-space",
  "border", "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-width",
]);
const CSS_VALUE = /^[#a-z0-9 .,%()-]{1,64}$/i;

const LINK_SCHEMES = /^(https?:|mailto:|tel:)/i;
const SCRIPT_URL = /^(javascript|vbscript|livescript):/i;
/** A URL that names another host: any scheme followed by `//`, or protocol-relative. */
const REMOTE_URL = /^([a-z][a-z0-9+.-]*:)?\/\//i;
/** What a browser ignores at the start of a URL (whitespace, controls) and inside a scheme (tabs, newlines). */
const compactUrl = (value: string) => value.replace(/[\u0000-\u0020\u007F]/g, "");

const DATA_IMAGE = /^data:image\/(png|jpeg|jpg);base64,([a-z0-9+/=\s]+)$/i;

/** UTF-8 size of `html`, the quantity {@link HTML_LIMITS.maxBytes} bounds. */
export const htmlBytes = (html: string) => new TextEncoder().encode(html).byteLength;

/**
 * Parses `html` (a fragment or a whole document) and judges it against the subset. On success the
 * tree is ready to convert: disallowed attributes and CSS dropped, every table given an explicit
 * `<tbody>` and rows of equal width, empty tables and lists removed.
 */
export async function checkHtml(html: string): Promise<{ ok: true; value: CheckedHtml } | { ok: false; issues: HtmlIssue[] }> {
  const bytes = htmlBytes(html);
  if (bytes > HTML_LIMITS.maxBytes) {
    return { ok: false, issues: [{ rule: "max_html_bytes", message: `html is ${bytes} bytes of UTF-8; at most ${HTML_LIMITS.maxBytes} (256 KiB) are accepted` }] };
  }
  // linkedom builds a body only for a whole document, so the input always goes inside one; a whole
  // document sent by the client arrives as nested html/head/body elements, unwrapped below.
  const document = new DOMParser().parseFromString(`<!doctype html><html><head></head><body>${html}</body></html>`, "text/html") as unknown as DomDocument;
  // A client's own </body> or </html> ends the wrapper early, and what follows lands beside the
  // body; html-to-pdfmake reads the body only, so all of it is brought back in to be judged and drawn.
  const strays = [...children(document.documentElement), ...children(document as unknown as DomNode)].filter(
    (node) => node !== document.body && node !== document.head && node !== document.documentElement && node.nodeType !== DOCTYPE,
  );
  for (const node of strays) document.body.appendChild(node);
  const issues: HtmlIssue[] = [];
  // Bounded, but the first issue of every rule is always kept, so the most serious one is reported.
  const report = (issue: HtmlIssue) => void ((issues.length < HTML_LIMITS.maxIssues * 4 || !issues.some((i) => i.rule === issue.rule)) && issues.push(issue));
  const state: WalkState = { title: null, report, pngs: new Map() };

  const stack: [DomNode, number][] = children(document.body).map((n): [DomNode, number] => [n, 1]).reverse();
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node.nodeType === TEXT) continue;
    if (node.nodeType !== ELEMENT) {
      node.remove(); // comments, doctypes, processing instructions: nothing to render
      continue;
    }
    const element = node as DomElement;
    const keep = judgeElement(element, state);
    if (keep === "drop") {
      element.remove();
      continue;
    }
    if (depth > HTML_LIMITS.maxDepth) {
      report({ rule: "max_depth", message: `elements nest deeper than ${HTML_LIMITS.maxDepth} levels`, element: element.localName });
      continue;
    }
    const next = [...children(element)];
    if (keep === "unwrap") element.replaceWith(...next);
    for (let i = next.length - 1; i >= 0; i--) stack.push([next[i]!, keep === "unwrap" ? depth : depth + 1]);
  }
  if (issues.length === 0) {
    // PNGs are inflated only once the document is otherwise acceptable (and each distinct one once).
    for (const [, png] of state.pngs) {
      const verdict = await checkPng(png, HTML_LIMITS.maxImagePixels);
      if (!verdict.ok) report({ rule: "unsupported_image", message: verdict.reason, element: "img", attribute: "src" });
    }
  }
  if (issues.length === 0) {
    for (const table of elementsOf(document.body, "table")) normalizeTable(document, table, report);
    for (const list of [...elementsOf(document.body, "ul"), ...elementsOf(document.body, "ol")]) if (![...children(list)].some(isElement)) list.remove();
  }
  if (issues.length) {
    const rank = (i: HtmlIssue) => HTML_RULES.indexOf(i.rule as (typeof HTML_RULES)[number]);
    return { ok: false, issues: issues.sort((a, b) => rank(a) - rank(b)).slice(0, HTML_LIMITS.maxIssues) };
  }
  return { ok: true, value: { document, title: state.title } };
}

const children = (node: DomNode): DomNode[] => Array.from(node.childNodes);
const isElement = (node: DomNode): node is DomElement => node.nodeType === ELEMENT;
const isBlankText = (node: DomNode) => node.nodeType === TEXT && !(node.textContent ?? "").trim();

function elementsOf(root: DomElement, name: string): DomElement[] {
  const found: DomElement[] = [];
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    for (const child of children(node)) {
      if (!isElement(child)) continue;
      if (child.localName === name) found.push(child);
      stack.push(child);
    }
  }
  // Document order, so nested tables are normalized after the tables holding them.
  return found.reverse();
}

type Verdict = "keep" | "unwrap" | "drop";

interface WalkState {
  title: string | null;
  report: (issue: HtmlIssue) => void;
  /** The PNGs to inflate after the walk, by their src. */
  pngs: Map<string, Uint8Array>;
}

/** Judges one element and its attributes, cleaning what may be cleaned; what it keeps is walked into. */
function judgeElement(element: DomElement, state: WalkState): Verdict {
  const name = element.localName.toLowerCase();
  const { report } = state;
  if (name === "script") {
    report({ rule: "no_scripts", message: "<script> is not accepted: the HTML is rendered, never run", element: name });
    return "drop";
  }
  if (LOADING_ELEMENTS.has(name)) {
    report({ rule: "no_remote_resources", message: `<${name}> loads a resource; nothing is fetched for a render (images only as data: URIs)`, element: name });
    return "drop";
  }
  if (name === "style") {
    const css = normalizeCss(element.textContent ?? "");
    if (/url\(|@import/.test(css)) report({ rule: "no_remote_resources", message: "CSS url( and @import load resources; nothing is fetched for a render", element: name });
    else report({ rule: "unsupported_element", message: "<style> sheets are not applied: put the properties in style attributes", element: name });
    return "drop";
  }
  if (WRAPPERS.has(name)) return judgeAttributes(element, name, state, []) ? "unwrap" : "drop";
  if (HEAD_ONLY.has(name)) {
    if (name === "title") state.title ??= (element.textContent ?? "").trim() || null;
    // The head's scripts and links are still judged; the head itself renders nothing.
    if (name === "head") return "unwrap";
    return "drop";
  }
  const allowed = ELEMENTS[name];
  if (!allowed) {
    report({ rule: "unsupported_element", message: `<${name}> is not in the HTML subset`, element: name });
    // Still walked into, so a script or a remote resource inside is reported as what it is.
    return judgeAttributes(element, name, state, []) ? "keep" : "drop";
  }
  return judgeAttributes(element, name, state, allowed) ? "keep" : "drop";
}

/** Judges and cleans an element's attributes; false when the element must go (its refusal reported). */
function judgeAttributes(element: DomElement, name: string, state: WalkState, allowed: readonly string[]): boolean {
  const { report } = state;
  let keep = true;
  let pageBreak: "before" | "after" | null = null;
  for (const { name: rawName, value } of Array.from(element.attributes)) {
    const attribute = rawName.toLowerCase();
    const url = compactUrl(value);
    if (attribute.startsWith("on")) {
      report({ rule: "no_scripts", message: `event handler attributes (${attribute}) are not accepted`, element: name, attribute });
      keep = false;
      continue;
    }
    if (SCRIPT_URL.test(url) && (RESOURCE_ATTRIBUTES.has(attribute) || attribute === "cite" || attribute === "longdesc")) {
      report({ rule: "no_scripts", message: `${attribute} holds a script URL`, element: name, attribute });
      keep = false;
      continue;
    }
    if (attribute === "style") {
      const css = normalizeCss(value);
      if (/expression\(|javascript:|behavior:|-moz-binding/.test(css)) {
        report({ rule: "no_scripts", message: "CSS that runs code (expression(), behavior, -moz-binding, javascript:) is not accepted", element: name, attribute });
        keep = false;
      } else if (/url\(|@import/.test(css)) {
        report({ rule: "no_remote_resources", message: "CSS url( and @import load resources; nothing is fetched for a render", element: name, attribute });
        keep = false;
      } else {
        const kept = keptCss(value, name);
        if (kept.style) element.setAttribute("style", kept.style);
        else element.removeAttribute("style");
        pageBreak = kept.pageBreak;
      }
      continue;
    }
    const loads = RESOURCE_ATTRIBUTES.has(attribute) && !(name === "a" && attribute === "href");
    if (loads && (REMOTE_URL.test(url) || (attribute === "srcset" && value.split(",").some((c) => REMOTE_URL.test(compactUrl(c)))))) {
      report({ rule: "no_remote_resources", message: `${attribute} names a remote resource; nothing is fetched for a render (images only as data: URIs)`, element: name, attribute });
      keep = false;
      continue;
    }
    if (!allowed.includes(attribute)) {
      element.removeAttribute(rawName);
      continue;
    }
    if (name === "a" && attribute === "href" && !LINK_SCHEMES.test(url)) {
      report({ rule: "unsupported_link", message: "a link's href must be an https:, http:, mailto: or tel: URL", element: name, attribute });
      keep = false;
    } else if (!cleanAttribute(element, name, attribute, value, state)) keep = false;
  }
  // The one pdfmake property the subset sets itself, after every client attribute was judged (a
  // client's own data-pdfmake was dropped above: it would copy any pdfmake key onto the node).
  if (pageBreak && keep && name !== "table") element.setAttribute("data-pdfmake", JSON.stringify({ pageBreak }));
  if (name === "img" && keep && element.getAttribute("src") === null) {
    report({ rule: "unsupported_image", message: "an <img> needs a src: a data: URI of a PNG or JPEG", element: name, attribute: "src" });
    keep = false;
  }
  return keep;
}

/** The values of the kept attributes that need checking; false when a refusal was reported. */
function cleanAttribute(element: DomElement, name: string, attribute: string, value: string, state: WalkState): boolean {
  const { report } = state;
  const integer = (min: number, max: number) => {
    const n = /^\s*\d{1,6}\s*$/.test(value) ? Number(value) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) element.setAttribute(attribute, String(n));
    else element.removeAttribute(attribute);
  };
  switch (attribute) {
    case "src": {
      const image = checkDataImage(value);
      if (typeof image === "string") {
        report({ rule: "unsupported_image", message: image, element: name, attribute });
        return false;
      }
      if (image.png) state.pngs.set(value, image.png);
      return true;
    }
    case "colspan":
      integer(1, HTML_LIMITS.maxTableColumns);
      return true;
    case "rowspan":
      integer(1, 1000);
      return true;
    case "start":
      integer(0, 100_000);
      return true;
    case "width":
      // Pixels, as HTML means them; past the page's width (540 pt = 720 px) the image is fitted instead.
      integer(1, 720);
      return true;
    case "height":
      integer(1, 930);
      return true;
    case "type":
      if (!["1", "a", "A", "i", "I"].includes(value.trim())) element.removeAttribute(attribute);
      return true;
    default:
      // alt and href (already judged) are kept as they are: alt is never rendered, href is a link annotation.
      return true;
  }
}

/**
 * Why `src` is not an image the subset takes, or what is left to check: a JPEG is judged here (pdfkit
 * embeds its bytes as they are), a PNG's bytes are returned for {@link checkPng} after the walk.
 */
function checkDataImage(src: string): string | { png: Uint8Array | null } {
  const match = DATA_IMAGE.exec(src.trim());
  if (!match) return "images must be data: URIs of a PNG or JPEG (data:image/png;base64,… or data:image/jpeg;base64,…)";
  let bytes: Uint8Array;
  try {
    const binary = atob(match[2]!.replace(/\s+/g, ""));
    bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return "the image's base64 is malformed";
  }
  if (match[1]!.toLowerCase() === "png") return { png: bytes };
  const size = jpegSize(bytes);
  if (!size) return "the image's bytes are not a complete JPEG";
  if (size.width * size.height > HTML_LIMITS.maxImagePixels) return `the image is ${size.width}×${size.height} pixels; at most ${HTML_LIMITS.maxImagePixels} pixels are accepted`;
  return { png: null };
}

/** A JPEG's dimensions from its first start-of-frame segment, when it starts with SOI and ends with EOI. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) return null;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (length < 2) return null;
    at += 2 + length;
  }
  return null;
}

/** CSS as a browser would read it for the refusal checks: comments and escapes gone, lower case. */
const normalizeCss = (css: string) =>
  css
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\\([0-9a-f]{1,6})\s?/gi, (_, hex: string) => String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff)))
    .replace(/\\(.)/g, "$1")
    .replace(/\s+/g, "")
    .toLowerCase();

/**
 * The declarations of `style` html-to-pdfmake may map, with plain values of sane size ("" when
 * none), and a page break (`page-break-before|after: always`, `break-before|after: page`).
 */
function keptCss(style: string, element: string): { style: string; pageBreak: "before" | "after" | null } {
  const kept: string[] = [];
  let pageBreak: "before" | "after" | null = null;
  for (const declaration of style.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).replace(/!important/gi, "").trim();
    const breaks = /^(?:page-)?break-(before|after)$/.exec(property);
    if (breaks && /^(always|page)$/i.test(value)) {
      pageBreak = breaks[1] as "before" | "after";
      continue;
    }
    if (!CSS_PROPERTIES.has(property) || !CSS_VALUE.test(value)) continue;
    // Sizes bound the layout: nothing negative, nothing past a page, type at most 144 pt.
    const numbers = [...value.matchAll(/(^|[^a-z0-9#.])(-?\d*\.?\d+)/gi)].map((m) => Number(m[2]));
    if (numbers.some((n) => n < 0 || n > 1000)) continue;
    if (property === "font-size" && numbers.some((n) => n === 0 || n > 144)) continue;
    if (property === "line-height" && numbers.some((n) => n === 0)) continue;
    // An image's size comes from its width and height attributes only (bounded there).
    if (element === "img" && !property.startsWith("margin")) continue;
    kept.push(`${property}:${value}`);
  }
  return { style: kept.join(";"), pageBreak };
}

/**
 * pdfmake needs a table as rows of equal width under explicit row groups; HTML is looser. Rows
 * directly under `<table>` are gathered into a `<tbody>`, blank text between rows and cells goes,
 * each row is padded with empty cells to the widest (colspan and rowspan counted), rowspans are cut
 * at the table's end, and a table without rows is removed.
 */
function normalizeTable(document: DomDocument, table: DomElement, report: (issue: HtmlIssue) => void): void {
  let loose: DomElement | null = null;
  const rows: DomElement[] = [];
  const structure = (element: string, parent: string) =>
    report({ rule: "unsupported_element", message: `<${element}> cannot sit directly in <${parent}>: a table holds thead, tbody, tfoot and tr; a row holds th and td`, element });
  for (const child of children(table)) {
    if (isBlankText(child)) {
      child.remove();
      continue;
    }
    const name = isElement(child) ? child.localName : "#text";
    if (name === "colgroup" || name === "col") continue;
    if (name === "tr") {
      if (!loose) {
        loose = document.createElement("tbody");
        table.insertBefore(loose, child);
      }
      loose.appendChild(child);
      rows.push(child as DomElement);
      continue;
    }
    loose = null;
    if (name === "thead" || name === "tbody" || name === "tfoot") {
      for (const row of children(child)) {
        if (isBlankText(row)) row.remove();
        else if (isElement(row) && row.localName === "tr") rows.push(row);
        else structure(isElement(row) ? row.localName : "#text", name);
      }
      continue;
    }
    structure(name, "table");
  }
  // The grid: which columns each row's cells and the rowspans from above occupy.
  const spans: number[] = [];
  const widths: number[] = [];
  rows.forEach((row, r) => {
    // Columns held by rowspans from above count toward this row's width even after its last cell.
    const above = spans.reduce((held, span, c) => (span > 0 ? c + 1 : held), 0);
    let column = 0;
    for (const cell of children(row)) {
      if (isBlankText(cell)) {
        cell.remove();
        continue;
      }
      if (!isElement(cell) || (cell.localName !== "td" && cell.localName !== "th")) {
        structure(isElement(cell) ? cell.localName : "#text", "tr");
        continue;
      }
      while ((spans[column] ?? 0) > 0) column++;
      const colspan = Number(cell.getAttribute("colspan") ?? 1);
      const rowspan = Math.min(Number(cell.getAttribute("rowspan") ?? 1), rows.length - r);
      if (rowspan > 1) cell.setAttribute("rowspan", String(rowspan));
      else cell.removeAttribute("rowspan");
      for (let c = column; c < column + colspan; c++) spans[c] = rowspan;
      column += colspan;
    }
    widths[r] = Math.max(column, above);
    for (let c = 0; c < spans.length; c++) spans[c] = Math.max(0, (spans[c] ?? 0) - 1);
  });
  const width = Math.max(0, ...widths);
  if (width > HTML_LIMITS.maxTableColumns) {
    report({ rule: "max_table_columns", message: `a table is ${width} columns wide; at most ${HTML_LIMITS.maxTableColumns} are accepted`, element: "table" });
    return;
  }
  if (width === 0) {
    table.remove();
    return;
  }
  rows.forEach((row, r) => {
    for (let c = widths[r]!; c < width; c++) row.appendChild(document.createElement("td"));
  });
}

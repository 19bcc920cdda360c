/**
 * `scan {url}`: read a business's public website and classify what it says it does. The URL is held
 * to the webhook SSRF rules (#shared/url-policy: public hosts only, no credentials, no obfuscated
 * addresses; loopback only in development when `SCAN_ALLOW_LOOPBACK` says so), and so is every
 * redirect, which is followed by hand (at most {@link MAX_REDIRECTS}) so a public page cannot bounce
 * the fetch to a private one. The whole read has one deadline (5 s) and the body is streamed and cut
 * at 1 MiB: a longer page is classified on its first MiB and says `truncated`, it is not an error.
 */
import { parseHTML } from "linkedom";
import type { ScanWebsiteResult } from "#contract/types.gen";
import { fail, invalid, ok, type Result } from "#shared/errors";
import { checkEndpointUrl, type UrlPolicy } from "#shared/url-policy";
import { rank } from "./classify.ts";
import { NAICS_EDITION } from "./naics.ts";

/** DECISIONS.md: the webhook rules, 5 s, 1 MiB. */
export const SCAN_TIMEOUT_MS = 5_000;
export const SCAN_MAX_BYTES = 1024 * 1024;
export const MAX_REDIRECTS = 3;
/** How much of the page's text the classifier reads (the start of a page says what the business is). */
const MAX_CLASSIFIED_CHARS = 20_000;

const READABLE_TYPES = ["text/html", "application/xhtml+xml", "text/plain"];

export interface ScanDeps {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  policy: UrlPolicy;
  timeoutMs?: number;
  maxBytes?: number;
}

class Deadline extends Error {}

/** Reads `body` until it ends or `maxBytes` is reached (then cancels it), or until `deadline` fires. */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, deadline: Promise<never>): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      if (size + value.byteLength > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        truncated = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
      // Exactly at the cap: the page is whole only if nothing follows.
      if (size === maxBytes) {
        truncated = !(await Promise.race([reader.read(), deadline])).done;
        break;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes, truncated };
}

function decode(bytes: Uint8Array, contentType: string): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

const squash = (text: string | null | undefined) => (text ?? "").replace(/\s+/g, " ").trim();

interface TextTree {
  nodeType: number;
  nodeValue: string | null;
  childNodes: ArrayLike<TextTree>;
}

/** Every text node under `root`, in document order, a space between them (so `<h1>A</h1><p>B</p>` reads "A B"). */
function visibleText(root: TextTree | null | undefined): string {
  if (!root) return "";
  const parts: string[] = [];
  const stack: TextTree[] = [root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.nodeType === 3) parts.push(node.nodeValue ?? "");
    else for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]!);
  }
  return parts.join(" ");
}

/** The page's title, meta description and visible body text (scripts, styles and templates dropped). */
export function extractText(html: string): { title: string | null; description: string | null; keywords: string | null; text: string } {
  let { document } = parseHTML(html);
  // A fragment without <html> (or a page cut before it) leaves linkedom no root to read: wrap it.
  if (!document.documentElement) ({ document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`));
  for (const el of document.querySelectorAll("script, style, noscript, template, svg, iframe, object")) el.remove();
  const meta = (...names: string[]) => {
    for (const el of document.querySelectorAll("meta")) {
      const name = (el.getAttribute("name") ?? el.getAttribute("property") ?? "").toLowerCase();
      const content = squash(el.getAttribute("content"));
      if (names.includes(name) && content) return content;
    }
    return null;
  };
  const title = squash(document.querySelector("title")?.textContent) || meta("og:title") || null;
  const description = meta("description", "og:description");
  const keywords = meta("keywords");
  return { title, description, keywords, text: squash(visibleText(document.body ?? document.documentElement)) };
}

/** Fetch, read and classify a website. */
export async function scanWebsite(input: { url?: unknown } | null | undefined, deps: ScanDeps): Promise<Result<ScanWebsiteResult>> {
  const policy: UrlPolicy = { ...deps.policy, subject: "scanned websites" };
  const first = checkEndpointUrl(input?.url, policy);
  if (!first.ok) return invalid("url", first.rule, first.reason);
  const timeoutMs = deps.timeoutMs ?? SCAN_TIMEOUT_MS;
  const maxBytes = deps.maxBytes ?? SCAN_MAX_BYTES;

  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Deadline());
    }, timeoutMs);
  });
  deadline.catch(() => {});
  const unreachable = (url: string, reason: string, extra: Record<string, string | number> = {}) =>
    fail("website_unreachable", `The website could not be read: ${reason}`, { url, reason, ...extra });

  let href = first.href;
  try {
    let response: Response | undefined;
    for (let hop = 0; ; hop++) {
      try {
        response = await Promise.race([
          deps.fetch(href, { method: "GET", redirect: "manual", signal: controller.signal, headers: { accept: "text/html,application/xhtml+xml,text/plain;q=0.8", "user-agent": "OpenInsure-MarketFinder/1.0 (+website scan)" } }),
          deadline,
        ]);
      } catch (e) {
        if (e instanceof Deadline || controller.signal.aborted) return unreachable(href, `no answer within ${timeoutMs / 1000} s`, { rule: "timeout" });
        return unreachable(href, "the connection failed", { rule: "connection" });
      }
      if (response.status < 300 || response.status >= 400 || response.status === 304) break;
      const location = response.headers.get("location");
      response.body?.cancel().catch(() => {});
      if (!location) return unreachable(href, `a ${response.status} redirect without a Location`, { rule: "redirect" });
      if (hop >= MAX_REDIRECTS) return unreachable(href, `more than ${MAX_REDIRECTS} redirects`, { rule: "redirect" });
      const next = checkEndpointUrl(new URL(location, href).href, policy);
      if (!next.ok) return invalid("url", next.rule, `the website redirects to a URL that is refused: ${next.reason}`);
      href = next.href;
    }
    if (!response.ok) {
      response.body?.cancel().catch(() => {});
      return unreachable(href, `the site answered ${response.status}`, { rule: "status", status: response.status });
    }
    const contentType = response.headers.get("content-type") ?? "text/html";
    const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
    if (!READABLE_TYPES.includes(mediaType)) {
      response.body?.cancel().catch(() => {});
      return unreachable(href, `the page is ${mediaType}, not HTML or text`, { rule: "content_type", contentType: mediaType });
    }
    let read: { bytes: Uint8Array; truncated: boolean };
    try {
      read = await readCapped(response.body, maxBytes, deadline);
    } catch (e) {
      if (e instanceof Deadline || controller.signal.aborted) return unreachable(href, `the page did not finish within ${timeoutMs / 1000} s`, { rule: "timeout" });
      return unreachable(href, "the connection broke while reading the page", { rule: "connection" });
    }
    const raw = decode(read.bytes, contentType);
    const page = mediaType === "text/plain" ? { title: null, description: null, keywords: null, text: squash(raw) } : extractText(raw);
    // Title and description say what the business is more plainly than the body: they count twice.
    const heading = [page.title, page.description, page.keywords].filter(Boolean).join(" ");
    const classified = `${heading} ${heading} ${page.text.slice(0, MAX_CLASSIFIED_CHARS)}`.trim();
    const top = classified ? rank(classified).slice(0, 5) : [];
    const sum = top.reduce((s, t) => s + t.score, 0);
    const round = (v: number) => Math.round(v * 10_000) / 10_000;
    return ok({
      url: href,
      status: response.status,
      title: page.title,
      description: page.description,
      excerpt: page.text.slice(0, 300),
      textLength: page.text.length,
      bytesRead: read.bytes.byteLength,
      truncated: read.truncated,
      edition: NAICS_EDITION,
      data: top.map((t) => ({ code: t.code, title: t.title, score: round(t.score), confidence: sum > 0 ? round(t.score / sum) : 0 })),
    });
  } finally {
    clearTimeout(timer);
  }
}

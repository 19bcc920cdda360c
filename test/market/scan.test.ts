import { describe, expect, it } from "vitest";
import { MAX_REDIRECTS, SCAN_MAX_BYTES, scanWebsite, type ScanDeps } from "../../workers/market/src/scan.ts";
import { errorOf, unwrap } from "../support/results.ts";
import { newPrincipal } from "../support/principals.ts";
import { marketRpc } from "./harness.ts";

/** A roofer's home page: the title and meta description say what the business does, the scripts do not. */
const ROOFER = `<!doctype html><html><head>
<title>Summit Roofing Co. | Roofing contractor in Portland</title>
<meta name="description" content="Residential and commercial roofing contractor: shingle roofs, metal roofing, roof repair and replacement.">
<script>var analytics = "dentist bakery trucking";</script><style>.hero { color: red }</style>
</head><body><nav>Home About Contact</nav>
<h1>Roofing done right</h1><p>We install asphalt shingles and metal roofs and repair leaks on homes and businesses across Oregon.</p>
<noscript>enable javascript for the dentist portal</noscript></body></html>`;

const LOCAL: ScanDeps["policy"] = { production: false, allowLoopback: true };

/** A local site: each path answers what `pages` says; every request is recorded. */
function site(pages: Record<string, () => Response>) {
  const requests: { url: string; redirect: RequestInit["redirect"]; signal: AbortSignal | null | undefined }[] = [];
  const fetch: ScanDeps["fetch"] = async (url, init) => {
    requests.push({ url, redirect: init.redirect, signal: init.signal });
    const page = pages[new URL(url).pathname];
    return page ? page() : new Response("not here", { status: 404 });
  };
  return { fetch, requests };
}

const html = (body: string, init: ResponseInit = {}) => new Response(body, { ...init, headers: { "content-type": "text/html; charset=utf-8", ...init.headers } });

describe("scan: reading a local page", () => {
  it("extracts title, description and visible text (no scripts, styles or noscript) and classifies them", async () => {
    const s = site({ "/": () => html(ROOFER) });
    const result = unwrap(await scanWebsite({ url: "http://127.0.0.1:8080/" }, { fetch: s.fetch, policy: LOCAL }));
    expect(result).toMatchObject({
      url: "http://127.0.0.1:8080/",
      status: 200,
      title: "Summit Roofing Co. | Roofing contractor in Portland",
      description: expect.stringContaining("shingle roofs"),
      truncated: false,
      edition: "2017",
    });
    expect(result.data[0]).toMatchObject({ code: "238160", title: "Roofing Contractors" });
    expect(result.data.length).toBeLessThanOrEqual(5);
    expect(result.excerpt).toContain("Roofing done right We install asphalt shingles");
    expect(result.excerpt).not.toContain("analytics");
    expect(result.excerpt).not.toContain("dentist");
    expect(result.bytesRead).toBe(new TextEncoder().encode(ROOFER).byteLength);
    // Redirects are never left to fetch: each is vetted first.
    expect(s.requests[0]!.redirect).toBe("manual");
  });

  it("reads plain text pages too", async () => {
    const s = site({ "/about.txt": () => new Response("Family bakery: we bake bread, cakes and pastries for our retail shop.", { headers: { "content-type": "text/plain" } }) });
    const result = unwrap(await scanWebsite({ url: "http://localhost:9000/about.txt" }, { fetch: s.fetch, policy: LOCAL }));
    expect(result.title).toBeNull();
    expect(result.data.map((d) => d.code)).toContain("311811");
  });

  it("cuts a page over 1 MiB at the cap, streaming, and still classifies its first MiB", async () => {
    let pulled = 0;
    const filler = new TextEncoder().encode(" roofing contractor".repeat(4096)); // 77,824 bytes a chunk
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(filler);
      },
    });
    const s = site({ "/": () => new Response(endless, { headers: { "content-type": "text/html" } }) });
    const result = unwrap(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: s.fetch, policy: LOCAL }));
    expect(result.truncated).toBe(true);
    expect(result.bytesRead).toBe(SCAN_MAX_BYTES);
    expect(pulled).toBeLessThan(Math.ceil(SCAN_MAX_BYTES / filler.byteLength) + 3);
    expect(result.data[0]!.code).toBe("238160");
  });

  it("does not call a page of exactly 1 MiB truncated", async () => {
    const body = new Uint8Array(SCAN_MAX_BYTES).fill(0x61);
    const s = site({ "/": () => new Response(body, { headers: { "content-type": "text/plain" } }) });
    const result = unwrap(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: s.fetch, policy: LOCAL }));
    expect(result).toMatchObject({ truncated: false, bytesRead: SCAN_MAX_BYTES });
  });

  it("follows a redirect to another allowed page, and refuses one to a private address", async () => {
    const s = site({
      "/": () => new Response(null, { status: 301, headers: { location: "/home" } }),
      "/home": () => html(ROOFER),
      "/evil": () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }),
    });
    const followed = unwrap(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: s.fetch, policy: LOCAL }));
    expect(followed.url).toBe("http://127.0.0.1/home");
    const refused = errorOf(await scanWebsite({ url: "http://127.0.0.1/evil" }, { fetch: s.fetch, policy: LOCAL }));
    expect(refused).toMatchObject({ code: "validation_failed", details: { field: "url", rule: "ssrf" } });
    expect(s.requests.map((r) => new URL(r.url).hostname)).not.toContain("169.254.169.254");
  });

  it(`gives up after ${MAX_REDIRECTS} redirects`, async () => {
    const s = site({ "/loop": () => new Response(null, { status: 302, headers: { location: "/loop" } }) });
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/loop" }, { fetch: s.fetch, policy: LOCAL }))).toMatchObject({
      code: "website_unreachable",
      details: { rule: "redirect" },
    });
    expect(s.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it("times out a site that never answers, and one that stalls mid-page, aborting the fetch", async () => {
    let signal: AbortSignal | null | undefined;
    const silent: ScanDeps["fetch"] = (_url, init) => {
      signal = init.signal;
      return new Promise(() => {});
    };
    const started = performance.now();
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: silent, policy: LOCAL, timeoutMs: 50 }))).toMatchObject({
      code: "website_unreachable",
      details: { rule: "timeout" },
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(signal?.aborted).toBe(true);

    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("<html><title>Half"));
      },
    });
    const s = site({ "/": () => new Response(stalled, { headers: { "content-type": "text/html" } }) });
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: s.fetch, policy: LOCAL, timeoutMs: 50 }))).toMatchObject({ details: { rule: "timeout" } });
  });

  it("answers 422 website_unreachable for an error status, a broken connection or a page that is not HTML or text", async () => {
    const s = site({ "/pdf": () => new Response("%PDF-1.7", { headers: { "content-type": "application/pdf" } }) });
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/missing" }, { fetch: s.fetch, policy: LOCAL }))).toMatchObject({ code: "website_unreachable", details: { rule: "status", status: 404 } });
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/pdf" }, { fetch: s.fetch, policy: LOCAL }))).toMatchObject({ details: { rule: "content_type", contentType: "application/pdf" } });
    const broken: ScanDeps["fetch"] = async () => {
      throw new TypeError("connection refused");
    };
    expect(errorOf(await scanWebsite({ url: "http://127.0.0.1/" }, { fetch: broken, policy: LOCAL }))).toMatchObject({ details: { rule: "connection" } });
  });
});

describe("scan: the webhook SSRF rules", () => {
  const never: ScanDeps["fetch"] = async () => {
    throw new Error("a refused URL must not be fetched");
  };

  it.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://localhost:8787/", "loopback"],
    ["http://[::1]/", "loopback IPv6"],
    ["http://10.0.0.5/", "private"],
    ["http://192.168.1.1/admin", "private"],
    ["http://169.254.169.254/latest/meta-data/", "metadata"],
    ["http://2130706433/", "decimal IPv4"],
    ["http://user:pass@example.com/", "credentials"],
    ["http://printer.local/", "private suffix"],
  ])("refuses %s (%s) in production and without the loopback flag, before any fetch", async (url) => {
    for (const policy of [{ production: true, allowLoopback: false }, { production: false, allowLoopback: false }]) {
      const error = errorOf(await scanWebsite({ url }, { fetch: never, policy }));
      expect(error).toMatchObject({ code: "validation_failed", details: { field: "url", rule: "ssrf" } });
      expect(error.message).toMatch(/scanned websites must be public|credentials|non-standard|must be public/);
    }
  });

  it.each(["ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "not a url", ""])("refuses %j as not an http(s) URL", async (url) => {
    expect(errorOf(await scanWebsite({ url }, { fetch: never, policy: LOCAL }))).toMatchObject({ code: "validation_failed", details: { field: "url" } });
  });

  it("refuses plain http in production", async () => {
    expect(errorOf(await scanWebsite({ url: "http://example.com/" }, { fetch: never, policy: { production: true, allowLoopback: false } }))).toMatchObject({
      details: { field: "url", rule: "ssrf" },
    });
  });

  it("through the worker: private, link-local and metadata URLs are 400 whatever the environment", async () => {
    const p = newPrincipal();
    for (const url of ["https://10.1.2.3/", "https://[fd00::1]/", "http://169.254.169.254/", "http://172.16.0.1:8080/"]) {
      expect(errorOf(await marketRpc.scanWebsite(p, { url }))).toMatchObject({ code: "validation_failed", details: { field: "url", rule: "ssrf" } });
    }
  });
});

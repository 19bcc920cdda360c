import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, sandbox } from "./client.ts";

const BAKERY = `<!doctype html><html><head><title>Rosemary Lane Bakery</title>
<meta name="description" content="Retail bakery baking bread, cakes, cookies and pastries fresh every morning for our shop.">
<script>window.tracking = "trucking freight logistics";</script></head>
<body><h1>Fresh bread daily</h1><p>Our bakers make sourdough bread, birthday cakes and pastries, sold in our retail bakery.</p></body></html>`;

/** A small local website: a bakery's page, a page of 3 MiB, and a redirect to the cloud metadata service. */
function localSite() {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(BAKERY);
    if (req.url === "/huge") {
      res.writeHead(200, { "content-type": "text/html" });
      res.write(`<html><head><title>Roofing contractor</title></head><body>`);
      const chunk = "<p>roofing contractor installing shingle roofs</p>".repeat(1000);
      for (let i = 0; i < 64; i++) res.write(chunk); // about 3 MiB, far past the cap
      return res.end("</body></html>");
    }
    if (req.url === "/metadata") return res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    res.writeHead(404).end();
  });
  return { server, hits };
}

describe("scanning a website from the local sandbox", () => {
  const { server, hits } = localSite();
  let base = "";
  let token = "";
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { apiSecret } = sandbox();
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Market Scan" } });
    token = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } })).json.token;
  });
  afterAll(() => server.close());

  it("reads a page on 127.0.0.1 (the sandbox allows loopback) and classifies it", async () => {
    const res = await http("POST", "/v1/market-finder/scan", { token, body: { url: `${base}/` } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ url: `${base}/`, status: 200, title: "Rosemary Lane Bakery", truncated: false, edition: "2017" });
    expect(res.json.data.slice(0, 5).map((d: { code: string }) => d.code)).toContain("311811");
    expect(res.json.excerpt).not.toContain("tracking");
  });

  it("cuts a page over 1 MiB at the cap instead of failing", async () => {
    const res = await http("POST", "/v1/market-finder/scan", { token, body: { url: `${base}/huge` } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ truncated: true, bytesRead: 1024 * 1024, title: "Roofing contractor" });
    expect(res.json.data[0].code).toBe("238160");
  });

  it("refuses private and metadata addresses, also when a page redirects there", async () => {
    for (const url of ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "ftp://127.0.0.1/"]) {
      const res = await http("POST", "/v1/market-finder/scan", { token, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.json).toMatchObject({ error: "validation_failed", details: { field: "url" } });
    }
    const redirected = await http("POST", "/v1/market-finder/scan", { token, body: { url: `${base}/metadata` } });
    expect(redirected.status).toBe(400);
    expect(redirected.json).toMatchObject({ error: "validation_failed", details: { field: "url", rule: "ssrf" } });
    expect(hits).toContain("/metadata");
  });
});

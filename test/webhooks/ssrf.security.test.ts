import { afterEach, describe, expect, it, vi } from "vitest";
import { checkEndpointUrl } from "../../workers/webhooks/src/url-policy.ts";
import { attemptRows, db, deliver, errorOf, fanOut, harness, newPrincipal, publish, receiver, unwrap } from "./harness.ts";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Refused everywhere, whatever the environment or the loopback flag. */
const ALWAYS_REFUSED = [
  // not http(s)
  "ftp://example.com/hook",
  "file:///etc/passwd",
  "gopher://example.com/",
  "javascript:alert(1)",
  "data:text/plain,hi",
  // credentials
  "https://user:pass@example.com/hook",
  "https://user@example.com/hook",
  // private, link-local, CGNAT, unspecified
  "http://10.0.0.1/",
  "https://10.255.255.255/",
  "https://172.16.0.1/",
  "https://172.31.255.254/",
  "https://192.168.1.10:8443/hook",
  "https://169.254.1.1/",
  "http://169.254.169.254/latest/meta-data/",
  "https://100.64.0.1/",
  "https://100.127.255.255/",
  "http://0.0.0.0/",
  "http://0.0.0.0:8080/",
  "https://[fc00::1]/",
  "https://[fd12:3456:789a::1]/",
  "https://[fe80::1]/",
  "https://[::]/",
  "https://[::ffff:10.0.0.1]/",
  "https://[::ffff:169.254.169.254]/",
  "https://[64:ff9b::a9fe:a9fe]/",
  "https://[2002:a9fe:a9fe::1]/",
  "https://[ff02::1]/",
  "https://224.0.0.1/",
  "https://255.255.255.255/",
  // metadata services by name
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://metadata/computeMetadata/v1/",
  "http://METADATA.GOOGLE.INTERNAL./",
  // internal names
  "https://intranet/",
  "https://db.internal/",
  "https://printer.local/",
  // IPv4 in decimal, hex, octal and short forms (even of public addresses)
  "http://2130706433/",
  "http://0x7f000001/",
  "http://0x7f.0x0.0x0.0x1/",
  "http://0177.0.0.1/",
  "http://017700000001/",
  "http://127.1/",
  "http://3232235777/",
  "http://134744072/",
  "http://0x08080808/",
  "http://010.8.8.8/",
  // spellings the URL parser would rewrite
  "http:169.254.169.254/",
  "http://169.254.169.254\t/",
  "https://exam ple.com/",
  "http:\\\\169.254.169.254\\",
  // not a URL
  "",
  "not a url",
  "/relative/path",
];

const LOOPBACK = [
  "http://127.0.0.1:8787/hook",
  "https://127.0.0.1/hook",
  "http://127.10.20.30/",
  "http://localhost:3000/webhooks",
  "http://LOCALHOST/",
  "http://api.localhost/",
  "http://[::1]:8080/hook",
  "https://[::ffff:127.0.0.1]/",
];

const PUBLIC = ["https://hooks.example.com/openinsure", "https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook", "https://example.com:8443/a?b=c#d"];

describe("endpoint URL policy (SSRF)", () => {
  it.each(ALWAYS_REFUSED)("refuses %j at creation with field url", async (url) => {
    const h = harness({ WEBHOOK_ALLOW_LOOPBACK: "true" });
    const error = errorOf(await h.service.createEndpoint(newPrincipal(), { url, events: ["*"] }));
    expect(error).toMatchObject({ code: "validation_failed", details: { field: "url" } });
    expect(error.message.length).toBeGreaterThan(10);
  });

  it("answers rule ssrf with a message naming the problem", async () => {
    const h = harness();
    const p = newPrincipal();
    const cases: [string, RegExp][] = [
      ["http://10.0.0.1/", /private/],
      ["http://169.254.169.254/", /metadata/],
      ["http://2130706433/", /non-standard/],
      ["https://u:p@example.com/", /credentials/],
      ["ftp://example.com/", /scheme/],
      ["http://127.0.0.1/", /loopback/],
      ["https://100.64.1.1/", /carrier-grade NAT/],
    ];
    for (const [url, message] of cases) {
      const error = errorOf(await h.service.createEndpoint(p, { url, events: ["*"] }));
      expect(error, url).toMatchObject({ code: "validation_failed", details: { field: "url", rule: "ssrf" } });
      expect(error.message, url).toMatch(message);
    }
  });

  it.each(LOOPBACK)("refuses loopback %j unless WEBHOOK_ALLOW_LOOPBACK is true (never in production)", async (url) => {
    const p = newPrincipal();
    expect(errorOf(await harness().service.createEndpoint(p, { url, events: ["*"] }))).toMatchObject({ details: { field: "url", rule: "ssrf" } });
    expect(unwrap(await harness({ WEBHOOK_ALLOW_LOOPBACK: "true" }).service.createEndpoint(p, { url, events: ["*"] })).url).toBe(new URL(url).href);
    const production = harness({ ENVIRONMENT: "production", WEBHOOK_ALLOW_LOOPBACK: "true" });
    expect(errorOf(await production.service.createEndpoint(p, { url, events: ["*"] }))).toMatchObject({ details: { rule: "ssrf" } });
  });

  it("allows only loopback through the flag, not private or metadata addresses", () => {
    const policy = { production: false, allowLoopback: true };
    expect(checkEndpointUrl("http://127.0.0.1:8787/", policy).ok).toBe(true);
    expect(checkEndpointUrl("http://10.0.0.1/", policy).ok).toBe(false);
    expect(checkEndpointUrl("http://169.254.169.254/", policy).ok).toBe(false);
    expect(checkEndpointUrl("http://2130706433/", policy).ok).toBe(false);
  });

  it.each(PUBLIC)("accepts public %j", async (url) => {
    const created = unwrap(await harness().service.createEndpoint(newPrincipal(), { url, events: ["*"] }));
    expect(created.url).toBe(new URL(url).href);
  });

  it("requires https in production and allows plain http to public hosts elsewhere", async () => {
    const p = newPrincipal();
    const production = harness({ ENVIRONMENT: "production" });
    expect(errorOf(await production.service.createEndpoint(p, { url: "http://hooks.example.com/", events: ["*"] }))).toMatchObject({
      code: "validation_failed",
      details: { field: "url", rule: "ssrf" },
      message: expect.stringMatching(/https/),
    });
    expect(unwrap(await production.service.createEndpoint(p, { url: "https://hooks.example.com/", events: ["*"] })).url).toBe("https://hooks.example.com/");
    expect(unwrap(await harness().service.createEndpoint(p, { url: "http://hooks.example.com/", events: ["*"] })).url).toBe("http://hooks.example.com/");
  });

  it("re-checks the URL at delivery: a URL the current policy refuses fails the attempt without a request", async () => {
    // Created while loopback was allowed (local dev), delivered by a deployment that refuses it.
    const local = harness({ WEBHOOK_ALLOW_LOOPBACK: "true" });
    const p = newPrincipal();
    const endpoint = unwrap(await local.service.createEndpoint(p, { url: "http://127.0.0.1:9999/hook", events: ["*"] }));
    const strict = harness();
    const [deliveryId] = await fanOut(strict, [publish(strict, p.orgId, "policy.bound")]);

    const { requests } = receiver();
    const result = await deliver(strict, deliveryId!);
    expect(requests).toHaveLength(0);
    expect(result.explicitAcks).toEqual(result.ids);
    expect(strict.events.sent.filter((m) => m.body.kind === "delivery" && m.body.attempt === 2)).toHaveLength(1);
    strict.events.sent.length = 0;
    const [attempt] = await attemptRows(deliveryId!);
    expect(attempt).toMatchObject({ attempt: 1, status_code: null });
    expect(attempt!.error).toMatch(/^url not allowed: .*loopback/);

    // Also for a row written around the API (defence in depth).
    await db().prepare("UPDATE webhook_endpoints SET url = 'http://169.254.169.254/latest/meta-data/' WHERE id = ?").bind(endpoint.id).run();
    const [second] = await fanOut(strict, [publish(strict, p.orgId, "policy.bound")]);
    await deliver(strict, second!);
    expect(requests).toHaveLength(0);
    expect((await attemptRows(second!))[0]!.error).toMatch(/metadata/);
  });

  it("delivers to a loopback receiver when the flag allows it (local development)", async () => {
    const h = harness({ WEBHOOK_ALLOW_LOOPBACK: "true" });
    const p = newPrincipal();
    unwrap(await h.service.createEndpoint(p, { url: "http://localhost:8788/hook", events: ["*"] }));
    const [deliveryId] = await fanOut(h, [publish(h, p.orgId, "policy.bound")]);
    const { requests } = receiver();
    await deliver(h, deliveryId!);
    expect(requests.map((r) => r.url)).toEqual(["http://localhost:8788/hook"]);
  });
});

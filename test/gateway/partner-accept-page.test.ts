/**
 * The page behind a partner's invitation link (`/partner/accept?token=…`): served by the gateway as
 * HTML with a nonce-only Content-Security-Policy, its form aimed at `POST /auth/partner-accept` with
 * the link's token carried (HTML-escaped), and what it sends accepted by that operation.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, createTenant, json } from "./harness.ts";

/** An invited partner and the link its email carries. */
async function invitedPartner(email: string) {
  const t = await createTenant();
  const created = await call("POST", "/v1/partners", { apiKey: t.apiKey, body: { name: "Payroll App", contactEmail: email, landingUrl: "https://payroll.example/insurance", commissionRate: 10 } });
  expect(created.status).toBe(201);
  const partner = await json(created);
  const invitation = await json(await call("POST", `/v1/partners/${partner.id}/invite`, { apiKey: t.apiKey }));
  const emails = await json(await call("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}`, { token: env.API_SECRET }));
  const body = String(emails.data.find((e: { id: string }) => e.id === invitation.emailId).body);
  const link = new URL(body.match(/https:\/\/\S+\/partner\/accept\?token=\S+/)![0]);
  return { partner, link };
}

const inputValue = (html: string, name: string) => html.match(new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`))?.[1];

describe("the partner invitation page", () => {
  it("serves the emailed link as a form for POST /auth/partner-accept carrying the link's token, and what it sends creates the login", async () => {
    const email = `dana-${crypto.randomUUID().slice(0, 8)}@partner.example`;
    const { partner, link } = await invitedPartner(email);
    const token = link.searchParams.get("token")!;
    const page = await call("GET", `${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/i);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    const nonce = csp.match(/script-src 'nonce-([^']+)'/)![1];
    const html = await page.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<form id="accept" method="post" action="/auth/partner-accept">');
    expect(inputValue(html, "token")).toBe(token);
    // Its one script is the page's own, allowed by the nonce; nothing comes from anywhere else.
    expect(html.match(/<script[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
    expect(html.match(/https?:\/\/[^\s"'<>]+/g) ?? []).toEqual([]);
    expect(html).toContain("/auth/partner-token");

    // The form's fields are the contract's request: sent as the page's script sends them, they create the login.
    const accepted = await call("POST", "/auth/partner-accept", { body: { token: inputValue(html, "token"), password: "a long passphrase", name: "Dana" } });
    expect(accepted.status).toBe(201);
    expect(await json(accepted)).toMatchObject({ partnerId: partner.id, email, name: "Dana" });
    // The link is single use: the page's script shows this 401's code as "invalid, already used or expired".
    const again = await call("POST", "/auth/partner-accept", { body: { token, password: "another long passphrase" } });
    expect(again.status).toBe(401);
    expect(await json(again)).toMatchObject({ error: "unauthorized" });
    expect(html).toContain("This invitation link is invalid, already used or expired");
  });

  it("HTML-escapes whatever token the URL carries", async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;
    const page = await call("GET", `/partner/accept?token=${encodeURIComponent(hostile)}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img");
    expect(inputValue(html, "token")).toBe("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;");
    expect(html.match(/<script[^>]*>/g)).toHaveLength(1);
  });

  it("without a token says to open the emailed link, and offers no form", async () => {
    const page = await call("GET", "/partner/accept");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("This page needs the link from your invitation email");
    expect(html).not.toContain("<form");
    expect(html).not.toContain("<script");
  });

  it("is a GET page: another method is 405 with Allow: GET", async () => {
    const res = await call("POST", "/partner/accept", { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(await json(res)).toMatchObject({ error: "method_not_allowed" });
  });
});

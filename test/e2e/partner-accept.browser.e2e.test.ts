/**
 * A partner's invitation in a real headless browser, over the local sandbox: the emailed link (read
 * from the sandbox's email log) opens the platform's page with nothing loaded from elsewhere, the
 * partner chooses a password in its form, and that password then gets a partner token; the same
 * link a second time shows that it is used, as a message, not a stack.
 */
import type { Browser, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confineTo, launchBrowser } from "./browser.ts";
import { http, sandbox } from "./client.ts";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Fill in and send the page's form. */
async function submit(page: Page, name: string, password: string) {
  await page.type("#name", name);
  await page.type("#password", password);
  await page.type("#confirm", password);
  await page.click('button[type="submit"]');
}

describe("the partner invitation page in a headless browser", () => {
  it("creates the partner's login from the emailed link, and the password set there signs in", { timeout: 90_000 }, async () => {
    const { apiSecret, baseUrl } = sandbox();
    const origin = new URL(baseUrl).origin;
    const org = await http("POST", "/v1/orgs", { token: apiSecret, body: { name: "E2E Partner Login" } });
    const token = (await http("POST", "/auth/demo", { body: { secret: apiSecret, orgId: org.json.id } })).json.token;
    const email = `dana-${crypto.randomUUID().slice(0, 8)}@acme-payroll.example`;
    const partner = await http("POST", "/v1/partners", { token, body: { name: "Acme Payroll", contactEmail: email, landingUrl: "https://acme-payroll.example/insurance", commissionRate: 10 } });
    expect(partner.status).toBe(201);
    const invited = await http("POST", `/v1/partners/${partner.json.id}/invite`, { token });
    expect(invited.status).toBe(200);

    const log = await http("GET", `/v1/sandbox/emails?to=${encodeURIComponent(email)}`, { token: apiSecret, headers: { "x-org-id": org.json.id } });
    expect(log.status).toBe(200);
    const sent = (log.json.data as { id: string; body: string }[]).find((e) => e.id === invited.json.emailId)!;
    const link = sent.body.match(/(https?:\/\/\S+\/partner\/accept\?token=\S+)/)![1]!;
    expect(new URL(link).origin).toBe(origin);

    const page = await browser.newPage();
    const { served, refused } = await confineTo(page, origin);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    // A Content-Security-Policy refusal is reported on the console.
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });

    const opened = await page.goto(link, { waitUntil: "domcontentloaded" });
    expect(opened?.status()).toBe(200);
    expect(await page.$eval("h1", (h) => h.textContent)).toBe("Create your partner login");
    await submit(page, "Dana at Acme", "a long passphrase");
    await page.waitForSelector("#done:not([hidden])", { timeout: 30_000 });
    expect(await page.$eval("#login-email", (e) => e.textContent)).toBe(email);
    expect(await page.$eval("#login-partner", (e) => e.textContent)).toBe(partner.json.id);
    const command = await page.$eval("#token-command", (e) => e.textContent ?? "");
    expect(command).toContain(`${origin}/auth/partner-token`);
    expect(command).toContain(email);
    expect(await page.$eval("#accept", (f) => (f as HTMLElement).hidden)).toBe(true);

    // The password chosen on the page is the login's: it gets a partner token for this partner.
    const signedIn = await http("POST", "/auth/partner-token", { body: { email, password: "a long passphrase" } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.json).toMatchObject({ tokenType: "Bearer", partnerId: partner.json.id, orgId: org.json.id });
    const own = await http("GET", `/v1/partners/${partner.json.id}`, { token: signedIn.json.token });
    expect(own.status).toBe(200);
    expect(own.json).toMatchObject({ id: partner.json.id, status: "active" });

    // The link is single use: opened again, the page says so in words.
    await page.goto(link, { waitUntil: "domcontentloaded" });
    await submit(page, "Dana again", "another long passphrase");
    await page.waitForSelector("#error:not([hidden])", { timeout: 30_000 });
    const message = await page.$eval("#error", (e) => e.textContent ?? "");
    expect(message).toContain("This invitation link is invalid, already used or expired");
    expect(message).not.toMatch(/at \w+ \(|Error:/);

    expect(served).toContain("/partner/accept");
    expect(served).toContain("/auth/partner-accept");
    expect(refused).toEqual([]);
    // The 401 of the used link is logged by Chromium as a failed resource; nothing else went wrong (no CSP refusal, no script error).
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await page.close();
  });
});

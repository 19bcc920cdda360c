/**
 * /docs works with no network: a real headless Chromium (@sparticuz/chromium, shipped inside its npm
 * package) opens the sandbox's /docs with every request outside the platform's own origin aborted,
 * and the explorer still renders the contract's operations from the self-hosted Scalar bundle.
 */
import type { Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confineTo, launchBrowser } from "./browser.ts";
import { sandbox } from "./client.ts";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("/docs in a headless browser, offline", () => {
  it("renders the operation list from the platform alone", { timeout: 90_000 }, async () => {
    const { baseUrl } = sandbox();
    const origin = new URL(baseUrl).origin;
    const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    const summaries = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.summary!));

    const page = await browser.newPage();
    // A desktop window: the sidebar lists every tag's operations (/docs opens all tags).
    await page.setViewport({ width: 1600, height: 1000 });
    const { served, refused } = await confineTo(page, origin);

    const res = await page.goto(`${baseUrl}/docs`, { waitUntil: "domcontentloaded" });
    expect(res?.status()).toBe(200);
    // Scalar has rendered once every operation's summary is on the page (in the sidebar's list).
    await page
      .waitForFunction((names: string[]) => names.every((n) => document.body.innerText.includes(n)), { timeout: 60_000 }, summaries)
      .catch(() => undefined);
    const text = await page.evaluate(() => document.body.innerText);
    expect(summaries.length).toBeGreaterThan(50);
    expect(summaries.filter((s) => !text.includes(s))).toEqual([]);
    // Opening an operation from the sidebar shows the scope it needs (x-openinsure-auth, written
    // into its description by the generator).
    const opened = await page.evaluate(() => {
      const link = document.querySelector<HTMLAnchorElement>('a[href$="/POST/v1/submissions"]');
      link?.click();
      return link?.innerText.trim().startsWith("Create a submission") ?? false;
    });
    expect(opened).toBe(true);
    await page.waitForFunction(() => document.body.innerText.includes("scope submissions:write"), { timeout: 30_000 });

    expect(served).toContain("/docs/scalar.js");
    expect(served).toContain("/openapi.json");
    // Nothing outside the platform was even needed: no CDN, no web fonts.
    expect(refused).toEqual([]);
    await page.close();
  });
});

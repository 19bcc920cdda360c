/**
 * A real headless Chromium for the browser e2e tests: @sparticuz/chromium ships it inside its npm
 * package, so nothing is downloaded at test time.
 */
import chromium from "@sparticuz/chromium";
import puppeteer, { type Browser, type Page } from "puppeteer-core";

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    // The test runs as root on CI machines, where Chromium's sandbox cannot start.
    args: [...chromium.args, "--no-sandbox"],
    headless: true,
  });
}

/**
 * Lets `page` load only from `origin` (and data:/blob: URLs), aborting anything else as if offline.
 * Returns the paths it served and the URLs it refused.
 */
export async function confineTo(page: Page, origin: string): Promise<{ served: string[]; refused: string[] }> {
  const served: string[] = [];
  const refused: string[] = [];
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:") || url.startsWith("blob:") || new URL(url).origin === origin) {
      served.push(new URL(url, origin).pathname);
      void request.continue();
    } else {
      refused.push(url);
      void request.abort("internetdisconnected");
    }
  });
  return { served, refused };
}

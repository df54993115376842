import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "../helpers/processes.ts";

export const CHROMIUM = "/usr/bin/chromium";
/** Screenshots of every test, kept as artefacts (gitignored). */
export const SCREENSHOTS = join(REPO_ROOT, "test-results", "e2e");

export interface TestBrowser {
  browser: Browser;
  /** A fresh page whose every request to a host other than 127.0.0.1 is refused and recorded. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Requests that tried to leave 127.0.0.1, and page errors; both must stay empty. */
  offHost: string[];
  pageErrors: string[];
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Debian's chromium, headless, with a throwaway profile and every background service off. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The end-to-end tests need Debian's chromium at ${CHROMIUM}: apt-get install -y chromium`,
    );
  }
  // launch() gives every browser a fresh user-data-dir of its own in the temp folder and
  // deletes it on close (it refuses a --user-data-dir argument).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  const offHost: string[] = [];
  const pageErrors: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    offHost,
    pageErrors,
    async newPage(viewport = { width: 1360, height: 900 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname !== "127.0.0.1") {
          offHost.push(url.href);
          return route.abort("blockedbyclient");
        }
        return route.continue();
      });
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(error.message));
      page.on("console", (message) => {
        if (message.type() === "error") pageErrors.push(message.text());
      });
      return page;
    },
    async screenshot(page, name) {
      // From the top, so the sticky header is not painted over the middle of a full-page shot.
      await page.evaluate(() => globalThis.scrollTo(0, 0));
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
    },
  };
}

import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildExplorer, isStale } from "../../web/build.ts";
import { type Server, startServer } from "../helpers/processes.ts";
import { launchBrowser, type TestBrowser } from "./browser.ts";

// The explorer in headless Chromium against a real server (`src/main.ts` on port 0, an in-memory
// seeded database), asserted on what the page shows. Screenshots land in test-results/e2e/.
let server: Server;
let base: string;
let browser: TestBrowser;

beforeAll(async () => {
  // Launch first: a missing chromium fails here, loudly, before anything slow.
  browser = await launchBrowser();
  if (await isStale()) await buildExplorer();
  server = await startServer({ DATABASE_URL: "memory://", LOG_LEVEL: "info" }, 170_000);
  base = server.url.replace(/\/graphql$/, "");
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.process.exitCode === null) await server.stop();
});

afterEach(() => {
  // Every asset is ours: nothing may leave 127.0.0.1, and the page logs no error.
  expect(browser.offHost).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
});

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

/** Waits until Cytoscape finished laying the graph out, and returns how many topics it draws. */
async function graphReady(page: Page): Promise<number> {
  await page.waitForSelector('#graph-canvas[data-state="ready"]');
  return Number(await page.getAttribute("#graph-canvas", "data-nodes"));
}

/** Clicks a drawn graph node where Cytoscape rendered it, as a person would. */
async function clickGraphNode(page: Page, id: string): Promise<void> {
  await page.locator("#graph-canvas").scrollIntoViewIfNeeded();
  await graphReady(page);
  const point = await page.evaluate((nodeId) => {
    const cy = (globalThis as any).explorer.graph;
    const node = cy.getElementById(nodeId);
    if (node.empty()) throw new Error(`no node ${nodeId} in the graph`);
    const position = node.renderedPosition();
    const box = cy.container().getBoundingClientRect();
    return { x: box.left + position.x, y: box.top + position.y };
  }, id);
  await page.mouse.click(point.x, point.y);
}

async function graphHas(page: Page, selector: string): Promise<number> {
  return page.evaluate((s) => (globalThis as any).explorer.graph.$(s).length, selector);
}

describe("the explorer page", () => {
  it("finds a topic from a misspelt query, by keyboard", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await expect(heading(page).textContent()).resolves.toBe("Which one should you pick?");
    const box = page.getByRole("combobox", { name: "Find a topic or comparison" });
    await box.click();
    await box.pressSequentially("microservcies", { delay: 30 });
    const first = page.locator("#hero-search-list [role=option]").first();
    // Until the answer to the whole word is shown: on a loaded machine a pause between two
    // keystrokes can outlast the debounce and show a prefix's answer first.
    await first.locator(".option-title", { hasText: /^Microservices$/ }).waitFor();
    await expect(box.getAttribute("aria-expanded")).resolves.toBe("true");
    await browser.screenshot(page, "1-search-typo");
    await box.press("ArrowDown");
    await expect(box.getAttribute("aria-activedescendant")).resolves.toBe("hero-search-option-0");
    await expect(first.getAttribute("aria-selected")).resolves.toBe("true");
    await box.press("Enter");
    await page.waitForURL(`${base}/topic/microservices`);
    await expect(heading(page).textContent()).resolves.toBe("Microservices");
    await expect(
      page.getByRole("heading", { name: /^Comparisons \(\d+\)$/ }).isVisible(),
    ).resolves.toBe(true);
    expect(await graphReady(page)).toBeGreaterThan(3);
    await browser.screenshot(page, "2-topic");

    // Escape closes the list, a second Escape empties the box.
    const search = page.getByRole("combobox", { name: "Search topics and comparisons" });
    await search.fill("kafka");
    await page.locator("#search-list [role=option]").first().waitFor();
    await search.press("Escape");
    await expect(search.getAttribute("aria-expanded")).resolves.toBe("false");
    await search.press("Escape");
    await expect(search.inputValue()).resolves.toBe("");
  });

  it("opens a comparison with its options, pros and cons, conditions, pick and related comparisons", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/topic/microservices`);
    await page
      .getByRole("link", { name: "Monolith vs Modular Monolith vs Microservices" })
      .first()
      .click();
    await page.waitForURL(`${base}/comparison/monolith-vs-modular-monolith-vs-microservices`);
    await expect(heading(page).textContent()).resolves.toBe(
      "Monolith vs Modular Monolith vs Microservices",
    );
    const verdict = page.getByRole("region", { name: "Verdict" });
    await expect(verdict.locator(".pick-name").textContent()).resolves.toMatch(/\S/);
    await expect(verdict.locator(".bottom-line").textContent()).resolves.toMatch(
      /^Bottom line: \S/,
    );
    await expect(verdict.locator(".conditions dt").allTextContents()).resolves.toContain(
      "Use Microservices if",
    );
    const options = page.locator(".option");
    await expect(options.count()).resolves.toBe(3);
    await expect(options.locator(".pick-badge").count()).resolves.toBe(1);
    await expect(options.first().locator(".pros li").count()).resolves.toBeGreaterThan(0);
    await expect(options.first().locator(".cons li").count()).resolves.toBeGreaterThan(0);
    const related = page.getByRole("region", { name: /^Related comparisons/ });
    await expect(related.locator("li").count()).resolves.toBeGreaterThan(0);
    await graphReady(page);
    expect(await graphHas(page, "node.comparison.current")).toBe(1);
    await browser.screenshot(page, "3-comparison");
  });

  it("expands the graph when a topic is clicked, and opens a comparison from its diamond", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/topic/kubernetes`);
    const before = await graphReady(page);
    expect(await graphHas(page, "#t\\:go")).toBe(1);
    expect(await graphHas(page, "#t\\:rust")).toBe(0);
    await clickGraphNode(page, "t:go");
    await page.waitForFunction(
      (count) =>
        Number(document.querySelector("#graph-canvas")?.getAttribute("data-nodes")) > count,
      before,
    );
    const after = await graphReady(page);
    expect(after).toBeGreaterThan(before);
    // Go's neighbourhood reaches Rust (Go vs Rust), two hops from Kubernetes.
    expect(await graphHas(page, "#t\\:rust")).toBe(1);
    expect(
      await page.evaluate(() => (globalThis as any).explorer.graph.$("#t\\:rust").data("depth")),
    ).toBe(2);
    await expect(page.locator(".selection-card strong").textContent()).resolves.toBe("Go");
    await page.locator(".graph-list summary").click();
    await expect(page.getByRole("button", { name: "Go: expanded" }).isDisabled()).resolves.toBe(
      true,
    );
    await browser.screenshot(page, "4-graph-expanded");

    await clickGraphNode(page, "c:kubernetes-vs-nomad");
    await page.waitForURL(`${base}/comparison/kubernetes-vs-nomad`);
    await expect(heading(page).textContent()).resolves.toBe("Kubernetes vs Nomad");
  });

  it("finds a path between two topics and highlights it", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/topic/kubernetes`);
    await graphReady(page);
    await expect(page.getByRole("combobox", { name: "Path from" }).inputValue()).resolves.toBe(
      "Kubernetes",
    );
    // Searches answer a second late, and the person presses Enter and clicks "Find path" before
    // the suggestions arrive: the form waits for Enter's choice rather than call it missing (as
    // it did when CI's machine was loaded).
    let slowed = 0;
    await page.route("**/graphql", async (route) => {
      if (route.request().postData()?.includes("query ExplorerSearch")) {
        slowed += 1;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      await route.fallback();
    });
    const to = page.getByRole("combobox", { name: "Path to" });
    await to.pressSequentially("management tr", { delay: 20 });
    await to.press("Enter");
    await page.getByRole("button", { name: "Find path" }).click();
    await page.waitForURL(`${base}/path?from=kubernetes&to=management-track`);
    expect(slowed).toBeGreaterThan(0);
    await expect(heading(page).textContent()).resolves.toBe("Kubernetes → Management Track");
    const steps = page.locator(".path-steps > li > a");
    const names = await steps.allTextContents();
    expect(names[0]).toBe("Kubernetes");
    expect(names.at(-1)).toBe("Management Track");
    await expect(page.locator(".lede").textContent()).resolves.toBe(
      `${names.length - 1} hops on the shortest path.`,
    );
    await graphReady(page);
    expect(await graphHas(page, "node.on-path")).toBe(names.length);
    expect(await graphHas(page, "edge.on-path")).toBe(names.length - 1);
    await browser.screenshot(page, "5-path");
  });

  it("gives every view its own URL: back, forward and a reload of a deep link work", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByRole("link", { name: "Kafka vs RabbitMQ" }).click();
    await page.waitForURL(`${base}/comparison/kafka-vs-rabbitmq`);
    await page.locator(".option h2 a", { hasText: "Kafka" }).click();
    await page.waitForURL(`${base}/topic/kafka`);
    await expect(heading(page).textContent()).resolves.toBe("Kafka");
    await page.goBack();
    await page.waitForURL(`${base}/comparison/kafka-vs-rabbitmq`);
    await expect(heading(page).textContent()).resolves.toBe("Kafka vs RabbitMQ");
    await page.goBack();
    await page.waitForURL(`${base}/`);
    await expect(heading(page).textContent()).resolves.toBe("Which one should you pick?");
    await page.goForward();
    await expect(page.waitForURL(`${base}/comparison/kafka-vs-rabbitmq`)).resolves.toBeUndefined();
    await expect(heading(page).textContent()).resolves.toBe("Kafka vs RabbitMQ");
    await page.reload();
    await expect(heading(page).textContent()).resolves.toBe("Kafka vs RabbitMQ");
    await page.goto(`${base}/topic/no-such-topic`);
    await expect(heading(page).textContent()).resolves.toBe("No such topic");
    // A malformed %-escape is no slug: the page says so (it used to stay blank).
    await page.goto(`${base}/comparison/%ff`);
    await expect(heading(page).textContent()).resolves.toBe("Page not found");
    // GraphiQL is one click away.
    await expect(page.getByRole("link", { name: "GraphiQL" }).getAttribute("href")).resolves.toBe(
      "/graphql",
    );
  });

  it("is readable on a phone-sized screen", async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await page.goto(`${base}/comparison/individual-contributor-model-vs-management-track`);
    await expect(heading(page).textContent()).resolves.toBe(
      "Individual Contributor Model vs Management Track",
    );
    await graphReady(page);
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    // One column: the graph comes after the article, as wide as the screen allows.
    const article = await page.locator("article").boundingBox();
    const panel = await page.locator("#graph-panel").boundingBox();
    expect(panel && article && panel.y >= article.y + article.height).toBe(true);
    expect(panel?.width).toBeGreaterThan(300);
    const search = page.getByRole("combobox", { name: "Search topics and comparisons" });
    await search.fill("rust");
    await page.locator("#search-list [role=option]").first().waitFor();
    await browser.screenshot(page, "6-phone");
    await page.locator("#search-list [role=option]").first().click();
    await page.waitForURL(/\/(topic|comparison)\//);
  });
});

/**
 * The explorer: one page, every view at its own URL (History API), rendered from pickgraph's
 * public GraphQL API. `/` lists the comparisons, `/topic/<slug>` and `/comparison/<slug>` show
 * one record with its neighbourhood graph, `/path?from=<slug>&to=<slug>` a shortest path.
 */
import "./styles.css";
import {
  ApiError,
  COMPARISON,
  type ComparisonData,
  HOME,
  type HomeData,
  PATH,
  PATH_ENDS,
  type PathData,
  type PathEndsData,
  request,
  TOPIC,
  type TopicData,
} from "./api.ts";
import { createGraphPanel, type GraphPanel } from "./graph-view.ts";
import { h, mount } from "./html.ts";
import { createSearchBox } from "./search-box.ts";

type Route =
  | { view: "home" }
  | { view: "topic"; slug: string }
  | { view: "comparison"; slug: string }
  | { view: "path"; from: string; to: string }
  | { view: "missing"; path: string };

/** A path segment decoded; null when its %-escapes are malformed (`/topic/%`, `/topic/%ff`). */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function parseRoute(location: Location): Route {
  const path = location.pathname;
  const topic = /^\/topic\/([^/]+)$/.exec(path);
  const topicSlug = topic?.[1] ? decodeSegment(topic[1]) : null;
  if (topicSlug !== null) return { view: "topic", slug: topicSlug };
  const comparison = /^\/comparison\/([^/]+)$/.exec(path);
  const comparisonSlug = comparison?.[1] ? decodeSegment(comparison[1]) : null;
  if (comparisonSlug !== null) return { view: "comparison", slug: comparisonSlug };
  if (path === "/path") {
    const params = new URLSearchParams(location.search);
    return { view: "path", from: params.get("from") ?? "", to: params.get("to") ?? "" };
  }
  if (path === "/") return { view: "home" };
  return { view: "missing", path };
}

const view = document.getElementById("view") as HTMLElement;
const panel = document.getElementById("graph-panel") as HTMLElement;
const layoutElement = document.getElementById("layout") as HTMLElement;
let graph: GraphPanel | null = null;
let renderCount = 0;

/** Thrown when a newer navigation started while a view was loading; its answer is dropped. */
class Superseded extends Error {}

async function load<T>(document: string, variables: Record<string, unknown> = {}): Promise<T> {
  const mine = renderCount;
  const data = await request<T>(document, variables);
  if (mine !== renderCount) throw new Superseded();
  return data;
}

function graphPanel(): GraphPanel {
  panel.hidden = false;
  layoutElement.classList.add("with-graph");
  graph ??= createGraphPanel(panel, navigate);
  return graph;
}

function hideGraph(): void {
  panel.hidden = true;
  layoutElement.classList.remove("with-graph");
}

export function navigate(url: string): void {
  if (url === location.pathname + location.search) return;
  history.pushState(null, "", url);
  void render();
}

// Same-origin links become History API navigations; GraphiQL and other pages load normally.
document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element).closest("a");
  if (!anchor || anchor.target || anchor.origin !== location.origin) return;
  if (parseRoute(anchor as unknown as Location).view === "missing") return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
});
window.addEventListener("popstate", () => void render());

const headerSearch = createSearchBox({
  id: "search",
  label: "Search topics and comparisons",
  placeholder: "Search topics and comparisons…",
  types: null,
  onChoose: (hit) => {
    navigate(`/${hit.node.__typename === "Topic" ? "topic" : "comparison"}/${hit.node.slug}`);
    headerSearch.input.blur();
  },
});
mount(document.getElementById("header-search") as HTMLElement, headerSearch.element);

// "/" focuses the search box from anywhere but a text field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey) return;
  const target = event.target as HTMLElement;
  if (target.closest("input, textarea, [contenteditable]")) return;
  event.preventDefault();
  headerSearch.input.focus();
});

function loading(): void {
  mount(view, h("p", { class: "loading", role: "status" }, "Loading…"));
}

function failure(title: string, detail: string): void {
  hideGraph();
  document.title = `${title} · pickgraph`;
  mount(
    view,
    h(
      "section",
      { class: "card notice" },
      h("h1", { tabindex: "-1" }, title),
      h("p", {}, detail),
      h("p", {}, h("a", { href: "/" }, "Back to all comparisons")),
    ),
  );
}

function pickLabel(pick: { name: string } | null): string {
  return pick ? `Pick: ${pick.name}` : "No pick yet";
}

async function renderHome(): Promise<void> {
  const data = await load<HomeData>(HOME);
  hideGraph();
  document.title = "pickgraph explorer";
  const byCategory = new Map<string, HomeData["comparisons"]["nodes"]>();
  for (const comparison of data.comparisons.nodes) {
    const list = byCategory.get(comparison.category) ?? [];
    list.push(comparison);
    byCategory.set(comparison.category, list);
  }
  const heroSearch = createSearchBox({
    id: "hero-search",
    label: "Find a topic or comparison",
    visibleLabel: false,
    placeholder: "Try “kubernetes”, “microservcies” or “ic vs manager”",
    types: null,
    onChoose: (hit) =>
      navigate(`/${hit.node.__typename === "Topic" ? "topic" : "comparison"}/${hit.node.slug}`),
  });
  mount(
    view,
    h(
      "section",
      { class: "hero" },
      h("h1", { tabindex: "-1" }, "Which one should you pick?"),
      h(
        "p",
        { class: "lede" },
        `${data.comparisons.totalCount} comparisons of technologies, practices and career paths, with their verdicts, and the graph of topics that joins them.`,
      ),
      heroSearch.element,
    ),
    h(
      "section",
      { class: "categories", "aria-label": "All comparisons by category" },
      [...byCategory.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, comparisons]) =>
          h(
            "div",
            { class: "category card" },
            h("h2", {}, category),
            h(
              "ul",
              { class: "comparison-links" },
              comparisons.map((comparison) =>
                h(
                  "li",
                  {},
                  h("a", { href: `/comparison/${comparison.slug}` }, comparison.title),
                  h("span", { class: "muted small" }, pickLabel(comparison.verdict.pick)),
                ),
              ),
            ),
          ),
        ),
    ),
  );
}

function chips(topics: { slug: string; name: string }[]): HTMLElement {
  return h(
    "ul",
    { class: "chips" },
    topics.map((topic) =>
      h("li", {}, h("a", { class: "chip", href: `/topic/${topic.slug}` }, topic.name)),
    ),
  );
}

async function renderComparison(slug: string): Promise<void> {
  const data = await load<ComparisonData>(COMPARISON, { slug });
  const comparison = data.comparison;
  if (!comparison) {
    failure("No such comparison", `There is no comparison “${slug}”. Search for it above.`);
    return;
  }
  document.title = `${comparison.title} · pickgraph`;
  const verdict = comparison.verdict;
  mount(
    view,
    h(
      "article",
      { class: "record comparison-view" },
      h(
        "p",
        { class: "eyebrow" },
        h("span", { class: "kind-badge kind-comparison" }, "Comparison"),
        ` ${comparison.category}`,
      ),
      h("h1", { tabindex: "-1" }, comparison.title),
      h("p", { class: "lede" }, comparison.intro),
      h(
        "section",
        { class: "verdict card", "aria-labelledby": "verdict-title" },
        h("h2", { id: "verdict-title" }, "Verdict"),
        verdict.pick
          ? h(
              "p",
              { class: "pick" },
              h("span", { class: "pick-label" }, "Our pick"),
              h(
                "a",
                { href: `/topic/${verdict.pick.topic.slug}`, class: "pick-name" },
                verdict.pick.name,
              ),
            )
          : h("p", { class: "pick" }, "No pick yet"),
        verdict.pickSummary ? h("p", { class: "pick-summary" }, verdict.pickSummary) : null,
        h("p", { class: "bottom-line" }, h("strong", {}, "Bottom line: "), verdict.bottomLine),
        verdict.conditions.length > 0
          ? h(
              "dl",
              { class: "conditions" },
              verdict.conditions.flatMap((condition) => [
                h("dt", {}, `Use ${condition.option.name} if`),
                h("dd", {}, condition.useIf),
              ]),
            )
          : null,
      ),
      h(
        "section",
        { class: "options", "aria-label": "Options" },
        comparison.options.map((option) =>
          h(
            "section",
            {
              class: `option card${option.isPick ? " is-pick" : ""}`,
              "aria-labelledby": `option-${option.topic.slug}`,
            },
            h(
              "h2",
              { id: `option-${option.topic.slug}` },
              h("a", { href: `/topic/${option.topic.slug}` }, option.name),
              option.isPick ? h("span", { class: "pick-badge" }, "Pick") : null,
            ),
            h("p", {}, option.summary),
            h(
              "div",
              { class: "pros-cons" },
              h(
                "div",
                {},
                h("h3", { class: "pros-title" }, "Pros"),
                h(
                  "ul",
                  { class: "pros" },
                  option.pros.map((pro) => h("li", {}, pro)),
                ),
              ),
              h(
                "div",
                {},
                h("h3", { class: "cons-title" }, "Cons"),
                h(
                  "ul",
                  { class: "cons" },
                  option.cons.map((con) => h("li", {}, con)),
                ),
              ),
            ),
            option.relatedTopics.length > 0
              ? h(
                  "div",
                  { class: "related-to" },
                  h("h3", {}, "Related to"),
                  chips(option.relatedTopics),
                )
              : null,
          ),
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "related-comparisons-title" },
        h(
          "h2",
          { id: "related-comparisons-title" },
          `Related comparisons (${comparison.relatedComparisons.totalCount})`,
        ),
        comparison.relatedComparisons.edges.length === 0
          ? h("p", { class: "muted" }, "None within two hops.")
          : h(
              "ul",
              { class: "comparison-links" },
              comparison.relatedComparisons.edges.map((edge) =>
                h(
                  "li",
                  {},
                  h("a", { href: `/comparison/${edge.node.slug}` }, edge.node.title),
                  h(
                    "span",
                    { class: "muted small" },
                    `${edge.distance} hop${edge.distance === 1 ? "" : "s"} · ${pickLabel(edge.node.verdict.pick)}`,
                  ),
                ),
              ),
            ),
      ),
    ),
  );
  const first = comparison.options[0]?.topic;
  const second = comparison.options[1]?.topic;
  graphPanel().show({
    title: comparison.title,
    subgraphs: comparison.options.map((option) => ({
      offset: 0,
      subgraph: option.topic.neighborhood,
    })),
    comparisons: [
      {
        slug: comparison.slug,
        title: comparison.title,
        category: comparison.category,
        verdict: { pick: verdict.pick },
        options: comparison.options.map((o) => ({ topic: { slug: o.topic.slug } })),
      },
      ...comparison.relatedComparisons.edges.map((edge) => edge.node),
    ],
    currentComparison: comparison.slug,
    pathFrom: first ? { slug: first.slug, name: first.name } : undefined,
    pathTo: second ? { slug: second.slug, name: second.name } : undefined,
  });
}

async function renderTopic(slug: string): Promise<void> {
  const data = await load<TopicData>(TOPIC, { slug });
  const topic = data.topic;
  if (!topic) {
    failure("No such topic", `There is no topic “${slug}”. Search for it above.`);
    return;
  }
  if (topic.slug !== slug) {
    // A merged topic's former slug: show the survivor under its own URL.
    history.replaceState(null, "", `/topic/${topic.slug}`);
  }
  document.title = `${topic.name} · pickgraph`;
  const { record } = topic;
  const related = new Map<string, { name: string; kinds: Set<string>; weight: number }>();
  for (const edge of topic.related.edges) {
    const entry = related.get(edge.node.slug) ?? {
      name: edge.node.name,
      kinds: new Set(),
      weight: 0,
    };
    entry.kinds.add(
      edge.kind === "COMPARED_WITH"
        ? "compared with"
        : edge.direction === "IN"
          ? "linked from"
          : "related to",
    );
    entry.weight = Math.max(entry.weight, edge.weight);
    related.set(edge.node.slug, entry);
  }
  mount(
    view,
    h(
      "article",
      { class: "record topic-view" },
      h(
        "p",
        { class: "eyebrow" },
        h("span", { class: "kind-badge kind-topic" }, "Topic"),
        topic.provisional
          ? h("span", { class: "muted" }, " provisional: known only from tags")
          : null,
      ),
      h("h1", { tabindex: "-1" }, topic.name),
      topic.summary ? h("p", { class: "lede" }, topic.summary) : null,
      h(
        "dl",
        { class: "stats card", "aria-label": "Record" },
        h("div", {}, h("dt", {}, "As an option"), h("dd", {}, String(record.comparisons))),
        h("div", {}, h("dt", {}, "Picked"), h("dd", {}, String(record.wins))),
        h(
          "div",
          {},
          h("dt", {}, "Win rate"),
          h(
            "dd",
            {},
            record.comparisons > 0
              ? `${Math.round((100 * record.wins) / record.comparisons)}%`
              : "—",
          ),
        ),
        h(
          "div",
          {},
          h("dt", {}, "In comparisons"),
          h("dd", {}, String(topic.comparisons.totalCount)),
        ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "topic-comparisons-title" },
        h("h2", { id: "topic-comparisons-title" }, `Comparisons (${topic.comparisons.totalCount})`),
        topic.comparisons.nodes.length === 0
          ? h("p", { class: "muted" }, "No comparison weighs or mentions this topic.")
          : h(
              "ul",
              { class: "comparison-links" },
              topic.comparisons.nodes.map((comparison) => {
                const asOption = comparison.options.some(
                  (option) => option.topic.slug === topic.slug,
                );
                return h(
                  "li",
                  {},
                  h("a", { href: `/comparison/${comparison.slug}` }, comparison.title),
                  h(
                    "span",
                    { class: "muted small" },
                    `${asOption ? "as an option" : "as a related topic"} · ${comparison.category} · ${pickLabel(comparison.verdict.pick)}`,
                  ),
                );
              }),
            ),
      ),
      h(
        "section",
        { class: "card", "aria-labelledby": "topic-related-title" },
        h("h2", { id: "topic-related-title" }, `Related topics (${related.size})`),
        related.size === 0
          ? h("p", { class: "muted" }, "No related topics.")
          : h(
              "dl",
              { class: "related-groups" },
              // One group per kind of link, so a chip never reads as linked to its neighbour.
              ["compared with", "related to", "linked from"]
                .filter((kind) => [...related.values()].some((entry) => entry.kinds.has(kind)))
                .flatMap((kind) => [
                  h("dt", {}, kind.charAt(0).toUpperCase() + kind.slice(1)),
                  h(
                    "dd",
                    {},
                    h(
                      "ul",
                      { class: "related-list" },
                      [...related.entries()]
                        .filter(([, entry]) => entry.kinds.has(kind))
                        .map(([relatedSlug, entry]) =>
                          h(
                            "li",
                            {},
                            h(
                              "a",
                              {
                                class: "chip",
                                href: `/topic/${relatedSlug}`,
                                title: entry.weight > 1 ? `weight ${entry.weight}` : undefined,
                              },
                              entry.name,
                            ),
                          ),
                        ),
                    ),
                  ),
                ]),
            ),
      ),
    ),
  );
  graphPanel().show({
    title: topic.name,
    subgraphs: [{ offset: 0, subgraph: topic.neighborhood }],
    comparisons: topic.comparisons.nodes.slice(0, 12),
    pathFrom: { slug: topic.slug, name: topic.name },
  });
}

async function renderPath(from: string, to: string): Promise<void> {
  if (!from || !to) {
    failure("Find a path", "A path needs two topics: /path?from=<slug>&to=<slug>.");
    return;
  }
  const ends = await load<PathEndsData>(PATH_ENDS, { from, to });
  if (!ends.from || !ends.to) {
    failure("No such topic", `There is no topic “${ends.from ? to : from}”.`);
    return;
  }
  const { path } = await load<PathData>(PATH, { from: ends.from.slug, to: ends.to.slug });
  document.title = `${ends.from.name} → ${ends.to.name} · pickgraph`;
  mount(
    view,
    h(
      "article",
      { class: "record path-view" },
      h("p", { class: "eyebrow" }, h("span", { class: "kind-badge kind-path" }, "Path")),
      h("h1", { tabindex: "-1" }, `${ends.from.name} → ${ends.to.name}`),
      path
        ? h(
            "p",
            { class: "lede" },
            `${path.length} hop${path.length === 1 ? "" : "s"} on the shortest path.`,
          )
        : h("p", { class: "lede" }, "No path of at most 8 hops joins these topics."),
      path
        ? h(
            "ol",
            { class: "path-steps card" },
            path.topics.map((topic, index) => {
              const edge = index > 0 ? path.edges[index - 1] : undefined;
              const previous = path.topics[index - 1]?.name ?? "";
              // RELATED_TO edges have a direction: say which way this hop walks it.
              const via = edge
                ? edge.kind === "COMPARED_WITH"
                  ? `· compared with ${previous}`
                  : edge.from.slug === topic.slug
                    ? `· related to ${previous}`
                    : `· ${previous} is related to it`
                : "· start";
              return h(
                "li",
                {},
                h("a", { href: `/topic/${topic.slug}` }, topic.name),
                h("span", { class: "muted small" }, ` ${via}`),
                topic.summary ? h("p", { class: "small" }, topic.summary) : null,
              );
            }),
          )
        : null,
    ),
  );
  graphPanel().show({
    title: `the path from ${ends.from.name} to ${ends.to.name}`,
    subgraphs: [{ offset: 0, subgraph: ends.from.neighborhood }],
    comparisons: [],
    path: path ? { topics: path.topics, edges: path.edges } : undefined,
    pathFrom: ends.from,
    pathTo: ends.to,
  });
}

async function render(): Promise<void> {
  const mine = ++renderCount;
  const route = parseRoute(location);
  loading();
  try {
    switch (route.view) {
      case "home":
        await renderHome();
        break;
      case "topic":
        await renderTopic(route.slug);
        break;
      case "comparison":
        await renderComparison(route.slug);
        break;
      case "path":
        await renderPath(route.from, route.to);
        break;
      case "missing":
        failure("Page not found", `Nothing lives at ${route.path}.`);
        break;
    }
  } catch (error) {
    if (error instanceof Superseded || mine !== renderCount) return;
    if (!(error instanceof ApiError)) console.error(error);
    failure(
      "Something went wrong",
      error instanceof ApiError ? error.message : "The server could not be reached.",
    );
  }
  if (mine !== renderCount) return;
  document.body.dataset.view = route.view;
  // After a navigation, move focus to the new heading so screen readers announce the view.
  if (mine > 1) (view.querySelector("h1") as HTMLElement | null)?.focus({ preventScroll: false });
  window.scrollTo({ top: 0 });
}

void render();

/**
 * The related-topic graph: Cytoscape.js draws and lays out the neighbourhood the API returns.
 * Topics are coloured by their distance from the selected topic (or the comparison's options),
 * edges styled by kind (RELATED_TO solid with an arrow, COMPARED_WITH dashed) and sized by weight;
 * comparisons are diamonds joined to their option topics. Clicking a topic expands its
 * neighbourhood, clicking a diamond opens the comparison. Every action is also a button in the
 * list under the drawing, so the graph can be explored from the keyboard and by screen readers.
 */
import cytoscape, { type Core, type ElementDefinition, type NodeSingular } from "cytoscape";
import {
  ApiError,
  type ComparisonRef,
  EXPAND,
  type ExpandData,
  type GraphEdge,
  request,
  type Subgraph,
  type TopicRef,
} from "./api.ts";
import { h, mount } from "./html.ts";
import { createSearchBox } from "./search-box.ts";

/** Distance 0, 1, 2, 3 and beyond; the legend shows the same colours. */
export const DISTANCE_COLOURS = ["#4f46e5", "#0891b2", "#059669", "#d97706", "#9ca3af"];
const COMPARISON_COLOUR = "#e11d48";

function colourOf(depth: number): string {
  return DISTANCE_COLOURS[Math.min(depth, DISTANCE_COLOURS.length - 1)] as string;
}

export interface GraphScene {
  /** What the graph is around, for its accessible name. */
  title: string;
  /** Subgraphs to draw; each node's distance is its depth plus the subgraph's `offset`. */
  subgraphs: { offset: number; subgraph: Subgraph }[];
  /** Comparisons drawn as diamonds joined to those of their option topics that are drawn. */
  comparisons: ComparisonRef[];
  /** The comparison the view shows, drawn larger. */
  currentComparison?: string;
  /** A path to highlight: its topics in order and its edges. */
  path?: { topics: TopicRef[]; edges: GraphEdge[] };
  /** The path finder's start. */
  pathFrom?: TopicRef;
  pathTo?: TopicRef;
}

function hops(depth: number): string {
  return depth === 0 ? "selected" : `${depth} hop${depth === 1 ? "" : "s"} away`;
}

const topicId = (slug: string) => `t:${slug}`;
const comparisonId = (slug: string) => `c:${slug}`;
const edgeId = (edge: GraphEdge) =>
  edge.kind === "COMPARED_WITH"
    ? `e:${edge.kind}:${[edge.from.slug, edge.to.slug].sort().join(":")}`
    : `e:${edge.kind}:${edge.from.slug}:${edge.to.slug}`;

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "font-family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
      "font-size": 12,
      "font-weight": 500,
      color: "#1f2937",
      "text-valign": "bottom",
      "text-margin-y": 4,
      "text-wrap": "ellipsis",
      "text-max-width": "110px",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
      "text-background-padding": "2px",
      "text-background-shape": "roundrectangle",
      "background-color": "data(colour)",
      width: 24,
      height: 24,
      "border-width": 2,
      "border-color": "#ffffff",
      "overlay-padding": 6,
    },
  },
  {
    selector: "node.center",
    style: { width: 34, height: 34, "font-size": 13, "font-weight": 700 },
  },
  { selector: "node.expanded", style: { "border-color": "#111827", "border-width": 3 } },
  {
    selector: "node.comparison",
    style: {
      shape: "round-diamond",
      "background-color": COMPARISON_COLOUR,
      width: 20,
      height: 20,
      "font-size": 11,
      color: "#9f1239",
      "font-weight": 600,
    },
  },
  { selector: "node.comparison.current", style: { width: 32, height: 32, "font-size": 13 } },
  { selector: "node:selected", style: { "overlay-color": "#4f46e5", "overlay-opacity": 0.18 } },
  {
    selector: "edge",
    style: {
      width: "mapData(weight, 1, 4, 1.5, 6)",
      "line-color": "#94a3b8",
      "curve-style": "bezier",
      opacity: 0.85,
    },
  },
  {
    selector: "edge.RELATED_TO",
    style: {
      "target-arrow-shape": "triangle",
      "target-arrow-color": "#94a3b8",
      "arrow-scale": 0.8,
    },
  },
  {
    selector: "edge.COMPARED_WITH",
    style: { "line-style": "dashed", "line-color": "#f59e0b", "line-dash-pattern": [6, 4] },
  },
  {
    selector: "edge.option-of",
    style: { "line-style": "dotted", "line-color": "#fda4af", width: 1.5, opacity: 0.9 },
  },
  { selector: ".faded", style: { opacity: 0.22 } },
  {
    selector: "node.on-path",
    style: { "border-color": "#4f46e5", "border-width": 4, opacity: 1, "z-index": 10 },
  },
  {
    selector: "edge.on-path",
    style: {
      "line-color": "#4f46e5",
      "target-arrow-color": "#4f46e5",
      width: 5,
      opacity: 1,
      "line-style": "solid",
      "z-index": 10,
    },
  },
];

export interface GraphPanel {
  show(scene: GraphScene): void;
}

export function createGraphPanel(panel: HTMLElement, navigate: (url: string) => void): GraphPanel {
  const canvas = h("div", {
    class: "graph-canvas",
    id: "graph-canvas",
    role: "img",
    "data-state": "empty",
  });
  const status = h("p", { class: "graph-status", role: "status" });
  const selection = h("div", { class: "graph-selection", "aria-live": "polite" });
  const nodeList = h("ul", { class: "graph-node-list" });
  const listCount = h("span", {});
  const fitButton = h(
    "button",
    { type: "button", class: "tool-button", "aria-label": "Fit the whole graph in view" },
    "Fit",
  );
  const pathForm = h("form", { class: "path-finder", "aria-labelledby": "path-finder-title" });

  const legend = h(
    "ul",
    { class: "graph-legend", "aria-label": "Legend" },
    ...["selected", "1 hop", "2 hops", "3 hops", "further"].map((label, depth) =>
      h("li", {}, h("span", { class: "swatch", style: `background:${colourOf(depth)}` }), label),
    ),
    h("li", {}, h("span", { class: "swatch diamond" }), "comparison"),
    h("li", {}, h("span", { class: "line solid" }), "related to"),
    h("li", {}, h("span", { class: "line dashed" }), "compared with"),
  );

  mount(
    panel,
    h(
      "div",
      { class: "graph-header" },
      h("h2", { id: "graph-title" }, "Graph"),
      h("div", { class: "graph-tools" }, fitButton),
    ),
    legend,
    canvas,
    status,
    selection,
    pathForm,
    h(
      "details",
      { class: "graph-list" },
      h("summary", {}, "The graph as a list (", listCount, ")"),
      nodeList,
    ),
  );

  const cy: Core = cytoscape({
    container: canvas,
    style: STYLE,
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
  });
  // A handle for the browser console and the end-to-end tests, which click drawn nodes.
  (window as unknown as { explorer: { graph: Core } }).explorer = { graph: cy };

  let scene: GraphScene | null = null;
  let generation = 0;

  const layout = (animate: boolean) => {
    canvas.dataset.state = "layout";
    const run = cy.layout({
      name: "cose",
      animate,
      animationDuration: 450,
      randomize: !animate,
      fit: true,
      padding: 24,
      // Diamonds hang close to their options; topics keep room for their labels.
      nodeRepulsion: (node: NodeSingular) => (node.hasClass("comparison") ? 3000 : 12000),
      idealEdgeLength: (edge: cytoscape.EdgeSingular) => (edge.hasClass("option-of") ? 40 : 85),
      edgeElasticity: () => 80,
      gravity: 0.5,
      numIter: 1200,
      nodeDimensionsIncludeLabels: true,
    } as cytoscape.LayoutOptions);
    run.one("layoutstop", () => {
      canvas.dataset.state = "ready";
    });
    run.run();
  };

  const addTopic = (topic: TopicRef, depth: number, near?: NodeSingular): boolean => {
    const existing = cy.getElementById(topicId(topic.slug));
    if (existing.nonempty()) {
      if (depth < (existing.data("depth") as number)) {
        existing.data({ depth, colour: colourOf(depth) });
      }
      return false;
    }
    const position = near
      ? {
          x: near.position("x") + (Math.random() - 0.5) * 60,
          y: near.position("y") + (Math.random() - 0.5) * 60,
        }
      : undefined;
    cy.add({
      group: "nodes",
      data: {
        id: topicId(topic.slug),
        slug: topic.slug,
        label: topic.name,
        depth,
        colour: colourOf(depth),
        kind: "topic",
      },
      classes: depth === 0 ? "topic center" : "topic",
      ...(position ? { position } : {}),
    });
    return true;
  };

  const addEdge = (edge: GraphEdge) => {
    const id = edgeId(edge);
    if (cy.getElementById(id).nonempty()) return;
    const source = topicId(edge.from.slug);
    const target = topicId(edge.to.slug);
    if (cy.getElementById(source).empty() || cy.getElementById(target).empty()) return;
    cy.add({
      group: "edges",
      data: { id, source, target, kind: edge.kind, weight: edge.weight ?? 1 },
      classes: edge.kind,
    });
  };

  const addSubgraph = (subgraph: Subgraph, offset: number, near?: NodeSingular) => {
    for (const node of subgraph.nodes) addTopic(node.topic, node.depth + offset, near);
    for (const edge of subgraph.edges) addEdge(edge);
  };

  const addComparisons = (comparisons: ComparisonRef[], current?: string) => {
    for (const comparison of comparisons) {
      const drawn = comparison.options.filter((option) =>
        cy.getElementById(topicId(option.topic.slug)).nonempty(),
      );
      if (drawn.length === 0) continue;
      const id = comparisonId(comparison.slug);
      if (cy.getElementById(id).empty()) {
        cy.add({
          group: "nodes",
          data: { id, slug: comparison.slug, label: comparison.title, kind: "comparison" },
          classes: comparison.slug === current ? "comparison current" : "comparison",
        } satisfies ElementDefinition);
      }
      for (const option of drawn) {
        const edge = `o:${comparison.slug}:${option.topic.slug}`;
        if (cy.getElementById(edge).nonempty()) continue;
        cy.add({
          group: "edges",
          data: { id: edge, source: id, target: topicId(option.topic.slug), weight: 1 },
          classes: "option-of",
        });
      }
    }
  };

  const highlightPath = (path: NonNullable<GraphScene["path"]>) => {
    cy.elements().addClass("faded");
    for (const topic of path.topics)
      cy.getElementById(topicId(topic.slug)).removeClass("faded").addClass("on-path");
    for (const edge of path.edges) {
      const reverse = { ...edge, from: edge.to, to: edge.from };
      for (const candidate of [edge, reverse]) {
        cy.getElementById(edgeId(candidate)).removeClass("faded").addClass("on-path");
      }
    }
  };

  const describe = () => {
    const topics = cy.nodes(".topic").length;
    const comparisons = cy.nodes(".comparison").length;
    canvas.dataset.nodes = String(topics);
    canvas.setAttribute(
      "aria-label",
      `Graph around ${scene?.title ?? "nothing"}: ${topics} topics, ${comparisons} comparisons, ${cy.edges().length} links. The list below holds the same graph.`,
    );
    status.textContent = `${topics} topics · ${comparisons} comparisons · ${cy.edges().length} links. Click a topic to expand it, a diamond to open its comparison.`;
    listCount.textContent = `${topics} topics`;
    const sorted = cy
      .nodes(".topic")
      .toArray()
      .sort(
        (a, b) =>
          (a.data("depth") as number) - (b.data("depth") as number) ||
          String(a.data("label")).localeCompare(String(b.data("label"))),
      );
    mount(
      nodeList,
      sorted.map((node) => {
        const slug = node.data("slug") as string;
        const name = node.data("label") as string;
        const expanded = node.hasClass("expanded");
        return h(
          "li",
          {},
          h("span", { class: "swatch", style: `background:${node.data("colour") as string}` }),
          h("a", { href: `/topic/${slug}` }, name),
          h("span", { class: "muted" }, ` · ${hops(node.data("depth") as number)}`),
          h(
            "button",
            {
              type: "button",
              class: "tool-button small",
              disabled: expanded,
              "aria-label": expanded ? `${name}: expanded` : `Expand ${name}`,
              onclick: () => void expand(slug),
            },
            expanded ? "Expanded" : "Expand",
          ),
        );
      }),
    );
  };

  const select = (node: NodeSingular) => {
    const slug = node.data("slug") as string;
    const name = node.data("label") as string;
    mount(
      selection,
      h(
        "div",
        { class: "selection-card" },
        h("span", { class: "swatch", style: `background:${node.data("colour") as string}` }),
        h("strong", {}, name),
        h("span", { class: "muted" }, ` · ${hops(node.data("depth") as number)}`),
        h("a", { class: "button-link", href: `/topic/${slug}` }, `Open ${name}`),
      ),
    );
  };

  async function expand(slug: string): Promise<void> {
    const node = cy.getElementById(topicId(slug));
    if (node.empty() || node.hasClass("expanded")) return;
    const mine = generation;
    canvas.dataset.state = "loading";
    status.textContent = `Expanding ${node.data("label") as string}…`;
    try {
      const data = await request<ExpandData>(EXPAND, { slug });
      if (mine !== generation || !data.topic) return;
      const before = cy.nodes().length;
      addSubgraph(data.topic.neighborhood, node.data("depth") as number, node);
      addComparisons(scene?.comparisons ?? [], scene?.currentComparison);
      node.addClass("expanded");
      if (scene?.path) highlightPath(scene.path);
      describe();
      status.textContent = `${node.data("label") as string}: ${cy.nodes().length - before} new topics. ${status.textContent}`;
      layout(true);
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : "Expanding failed.";
      canvas.dataset.state = "ready";
    }
  }

  cy.on("tap", "node", (event) => {
    const node = event.target as NodeSingular;
    if (node.data("kind") === "comparison") {
      navigate(`/comparison/${node.data("slug") as string}`);
      return;
    }
    select(node);
    void expand(node.data("slug") as string);
  });
  fitButton.addEventListener("click", () => cy.fit(undefined, 24));

  const renderPathForm = (from?: TopicRef, to?: TopicRef) => {
    let fromSlug = from?.slug ?? "";
    let toSlug = to?.slug ?? "";
    const fromBox = createSearchBox({
      id: "path-from",
      label: "Path from",
      visibleLabel: true,
      placeholder: "A topic",
      types: ["TOPIC"],
      value: from?.name ?? "",
      onChoose: (hit) => {
        fromSlug = hit.node.slug;
      },
    });
    const toBox = createSearchBox({
      id: "path-to",
      label: "Path to",
      visibleLabel: true,
      placeholder: "Another topic",
      types: ["TOPIC"],
      value: to?.name ?? "",
      onChoose: (hit) => {
        toSlug = hit.node.slug;
      },
    });
    // Typing after a choice means the chosen slug no longer matches what the box says.
    fromBox.input.addEventListener("input", () => {
      fromSlug = "";
    });
    toBox.input.addEventListener("input", () => {
      toSlug = "";
    });
    const message = h("p", { class: "form-message", role: "alert" });
    mount(
      pathForm,
      h("h3", { id: "path-finder-title" }, "Find a path"),
      h("div", { class: "path-fields" }, fromBox.element, toBox.element),
      h("button", { type: "submit", class: "primary-button" }, "Find path"),
      message,
    );
    pathForm.onsubmit = async (event) => {
      event.preventDefault();
      // "Enter, then click Find path" on a slow search: the Enter's choice is still on its way.
      await Promise.all([fromBox.settled(), toBox.settled()]);
      if (!fromSlug || !toSlug) {
        message.textContent = "Choose both topics from the suggestions.";
        (fromSlug ? toBox : fromBox).input.focus();
        return;
      }
      navigate(`/path?from=${encodeURIComponent(fromSlug)}&to=${encodeURIComponent(toSlug)}`);
    };
  };

  return {
    show(next: GraphScene) {
      scene = next;
      generation += 1;
      cy.elements().remove();
      mount(selection);
      for (const { offset, subgraph } of next.subgraphs) addSubgraph(subgraph, offset);
      if (next.path) {
        for (const [index, topic] of next.path.topics.entries()) addTopic(topic, index);
        for (const edge of next.path.edges) addEdge(edge);
      }
      addComparisons(next.comparisons, next.currentComparison);
      if (next.path) highlightPath(next.path);
      const title = panel.querySelector("#graph-title");
      if (title) title.textContent = next.path ? "Path" : "Neighbourhood";
      describe();
      renderPathForm(next.pathFrom, next.pathTo);
      // The panel may have just been unhidden; Cytoscape must measure it again.
      cy.resize();
      layout(false);
    },
  };
}

/**
 * The search box: an ARIA 1.2 combobox with a listbox popup. Typing asks `search` after a short
 * pause (earlier requests are aborted, so a slow answer never overwrites a newer one); arrows move
 * through the suggestions, Enter opens one (the first when none is active), Escape closes the
 * list and, pressed again, clears the box.
 */
import { ApiError, type SearchHit, type SearchType, search } from "./api.ts";
import { h, mount } from "./html.ts";

const DEBOUNCE_MS = 140;

export interface SearchBoxOptions {
  id: string;
  label: string;
  /** Show the label on screen (the header box keeps it for screen readers only). */
  visibleLabel?: boolean;
  placeholder: string;
  types: SearchType[] | null;
  value?: string;
  onChoose(hit: SearchHit): void;
}

export interface SearchBox {
  element: HTMLElement;
  input: HTMLInputElement;
  /**
   * Resolves once an Enter pressed before the suggestions caught up has chosen (or found
   * nothing): a form submitted right after that Enter must wait for it, not see no choice.
   */
  settled(): Promise<void>;
}

export function hitTitle(hit: SearchHit): string {
  return hit.node.__typename === "Topic" ? hit.node.name : hit.node.title;
}

/** The highlighted fragments of one field as text with <mark>s; plain text when none. */
function highlighted(hit: SearchHit, fields: string[], fallback: string): (Node | string)[] {
  const highlight = hit.highlights.find((candidate) => fields.includes(candidate.field));
  if (!highlight || highlight.fragments.length === 0) return [fallback];
  return highlight.fragments.map((fragment) =>
    fragment.match ? h("mark", {}, fragment.text) : fragment.text,
  );
}

const FIELD_LABELS: Record<string, string> = {
  intro: "Intro",
  summary: "Option",
  pros: "Pro",
  cons: "Con",
  verdict: "Verdict",
};

/** Characters of context kept on each side of the first match in an excerpt. */
const EXCERPT_CONTEXT = 40;

/**
 * Where a comparison matched when its title did not (a word only its pros or verdict hold): the
 * first matching field's label and a few words around the match, so the reader sees why it is
 * listed. Null when the title matched, or nothing else did.
 */
function matchedElsewhere(hit: SearchHit): (Node | string)[] | null {
  const label = hit.highlights.find((c) => c.field === "name" || c.field === "title");
  if (label?.fragments.some((f) => f.match)) return null;
  const other = hit.highlights.find(
    (c) => c.field !== "name" && c.field !== "title" && c.fragments.some((f) => f.match),
  );
  if (!other) return null;
  const first = other.fragments.findIndex((f) => f.match);
  const before = other.fragments
    .slice(0, first)
    .map((f) => f.text)
    .join("");
  const parts: (Node | string)[] = [`${FIELD_LABELS[other.field] ?? other.field}: `];
  if (before.length > EXCERPT_CONTEXT) {
    const cut = before.slice(-EXCERPT_CONTEXT);
    parts.push(`…${cut.slice(cut.indexOf(" ") + 1)}`);
  } else {
    parts.push(before);
  }
  let room = EXCERPT_CONTEXT * 2;
  for (const fragment of other.fragments.slice(first)) {
    if (room <= 0) {
      parts.push("…");
      break;
    }
    if (fragment.match) {
      parts.push(h("mark", {}, fragment.text));
    } else if (fragment.text.length > room) {
      const cut = fragment.text.slice(0, room);
      const end = cut.lastIndexOf(" ");
      parts.push(`${end > 0 ? cut.slice(0, end) : cut}…`);
      break;
    } else {
      parts.push(fragment.text);
    }
    room -= fragment.text.length;
  }
  return parts;
}

export function createSearchBox(options: SearchBoxOptions): SearchBox {
  const listId = `${options.id}-list`;
  const statusId = `${options.id}-status`;
  const input = h("input", {
    id: options.id,
    type: "text",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    enterkeyhint: "search",
    placeholder: options.placeholder,
    class: "combobox-input",
  });
  input.value = options.value ?? "";
  const list = h("ul", {
    id: listId,
    role: "listbox",
    class: "combobox-list",
    "aria-label": `${options.label}: suggestions`,
  });
  list.hidden = true;
  const status = h("div", { id: statusId, class: "visually-hidden", role: "status" });
  const label = h(
    "label",
    { for: options.id, class: options.visibleLabel ? "combobox-label" : "visually-hidden" },
    options.label,
  );
  const element = h(
    "div",
    { class: "combobox" },
    label,
    h("div", { class: "combobox-field" }, input, list),
    status,
  );

  let hits: SearchHit[] = [];
  let active = -1;
  let timer: number | undefined;
  let controller: AbortController | null = null;
  let lastQuery = "";
  /** The query whose answer the list shows; Enter before it catches up opens the first answer. */
  let shownQuery = "";
  let chooseWhenShown = false;
  /** The search an Enter is waiting on, until it has chosen. */
  let pendingChoice: Promise<void> | null = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const setActive = (index: number) => {
    active = index;
    list.querySelectorAll<HTMLElement>("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      if (i === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) input.removeAttribute("aria-activedescendant");
  };

  const choose = (hit: SearchHit) => {
    close();
    input.value = hitTitle(hit);
    options.onChoose(hit);
  };

  const showMessage = (text: string) => {
    hits = [];
    mount(list, h("li", { class: "combobox-message", role: "presentation" }, text));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = text;
  };

  const render = (query: string, found: SearchHit[], total: number) => {
    hits = found;
    active = -1;
    shownQuery = query;
    if (chooseWhenShown && found[0]) {
      chooseWhenShown = false;
      choose(found[0]);
      return;
    }
    chooseWhenShown = false;
    if (found.length === 0) {
      showMessage(`Nothing matches “${query}”.`);
      return;
    }
    mount(
      list,
      found.map((hit, index) => {
        const isTopic = hit.node.__typename === "Topic";
        const secondary =
          hit.node.__typename === "Topic"
            ? highlighted(hit, ["summary"], hit.node.summary ?? "")
            : (matchedElsewhere(hit) ?? [hit.node.category]);
        return h(
          "li",
          {
            id: `${options.id}-option-${index}`,
            role: "option",
            "aria-selected": "false",
            class: "combobox-option",
            "data-slug": hit.node.slug,
            "data-type": hit.node.__typename,
            onmousedown: (event: Event) => event.preventDefault(),
            onclick: () => choose(hit),
          },
          h(
            "span",
            { class: `kind-badge ${isTopic ? "kind-topic" : "kind-comparison"}` },
            isTopic ? "Topic" : "Comparison",
          ),
          h(
            "span",
            { class: "option-text" },
            h(
              "span",
              { class: "option-title" },
              ...highlighted(hit, ["name", "title"], hitTitle(hit)),
            ),
            h("span", { class: "option-detail" }, ...secondary),
          ),
        );
      }),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = `${total} result${total === 1 ? "" : "s"}; ${found.length} shown. Use up and down arrows to choose.`;
  };

  const run = async (query: string) => {
    controller?.abort();
    controller = new AbortController();
    const signal = controller.signal;
    element.setAttribute("aria-busy", "true");
    try {
      const { hits: found, totalCount } = await search(query, options.types, signal);
      if (!signal.aborted) render(query, found, totalCount);
    } catch (error) {
      if (signal.aborted) return;
      showMessage(
        error instanceof ApiError ? error.message : "Search failed; is the server running?",
      );
    } finally {
      if (!signal.aborted) element.removeAttribute("aria-busy");
    }
  };

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const query = input.value.trim();
    lastQuery = query;
    // Typing after Enter takes the Enter back: the newer text's answer is not chosen unasked.
    chooseWhenShown = false;
    if (query === "") {
      controller?.abort();
      close();
      return;
    }
    timer = window.setTimeout(() => void run(query), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && hits.length > 0;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open && hits.length > 0) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        if (hits.length > 0) setActive((active + 1) % hits.length);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (hits.length > 0) setActive(active <= 0 ? hits.length - 1 : active - 1);
        break;
      case "Enter": {
        event.preventDefault();
        const query = input.value.trim();
        const hit = hits[Math.max(active, 0)];
        if (query === "") break;
        if (hit && shownQuery === query) {
          choose(hit);
        } else {
          chooseWhenShown = true;
          window.clearTimeout(timer);
          const choosing = run(query).finally(() => {
            if (pendingChoice === choosing) pendingChoice = null;
          });
          pendingChoice = choosing;
        }
        break;
      }
      case "Escape":
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else if (input.value !== "") {
          event.preventDefault();
          input.value = "";
          hits = [];
        }
        break;
      case "Tab":
        close();
        break;
    }
  });

  input.addEventListener("focus", () => {
    if (hits.length > 0 && input.value.trim() === lastQuery) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });
  input.addEventListener("blur", () => close());

  return { element, input, settled: async () => void (await pendingChoice) };
}

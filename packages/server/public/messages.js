// How messages look: Markdown (marked, then DOMPurify: a tool result or a model answer is untrusted),
// tool blocks that fold when long, and the console's /tools listing as folding groups with a filter.

import { marked } from "/vendor/marked.js";
import DOMPurify from "/vendor/purify.js";

/** A tool result longer than this starts folded. */
const FOLD_CHARS = 600;
const FOLD_LINES = 12;

// Links from untrusted text open outside the chat and get no access to it.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Markdown as sanitized HTML in `target`; JSON is shown as a code block. */
export function renderMarkdown(target, text) {
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed)) {
    try {
      const pre = element("pre");
      pre.append(element("code", "", JSON.stringify(JSON.parse(trimmed), null, 2)));
      target.replaceChildren(pre);
      return;
    } catch {
      /* not JSON: Markdown */
    }
  }
  target.innerHTML = DOMPurify.sanitize(marked.parse(text, { gfm: true, breaks: true }));
}

export function userMessage(text, { interrupted = false } = {}) {
  const item = element("li", "message user", text);
  if (interrupted) {
    item.classList.add("interrupted");
    item.append(element("span", "note", "interrupted: no answer was finished"));
  }
  return item;
}

/** A line about the conversation itself (e.g. older messages left out). */
export function noteMessage(text) {
  return element("li", "note", text);
}

export function errorMessage(text) {
  return element("li", "message error", text);
}

/** An answer bubble; `set(text)` renders it (again, as deltas arrive). */
export function assistantMessage(render = "markdown") {
  const item = element("li", "message assistant");
  const body = element("div", "body");
  item.append(body);
  let text = "";
  let frame = 0;
  const draw = () => {
    frame = 0;
    if (render === "plain") body.replaceChildren(element("pre", "plain", text));
    else if (render === "tools") body.replaceChildren(toolsListing(text));
    else renderMarkdown(body, text);
  };
  return {
    item,
    get text() {
      return text;
    },
    set(value) {
      text = value;
      // Deltas come faster than frames: render once per frame.
      frame ||= requestAnimationFrame(draw);
    },
    flush() {
      if (frame) cancelAnimationFrame(frame);
      draw();
    },
  };
}

/** A tool call; `setProgress` shows how far it is, `setResult` adds its result once it comes. */
export function toolMessage(name, args) {
  const item = element("li", "message tool pending");
  const details = element("details");
  details.open = true;
  const summary = element("summary");
  const title = element("span", "tool-name", `⚙ ${name}`);
  const status = element("span", "tool-status", "running…");
  summary.append(title, status);
  const argsText = typeof args === "string" ? args : JSON.stringify(args ?? {}, null, 2);
  const result = element("div", "tool-result");
  details.append(summary);
  if (argsText !== "") details.append(element("pre", "tool-args", argsText));
  details.append(result);
  item.append(details);
  return {
    item,
    setProgress(progress, total, message) {
      if (!item.classList.contains("pending")) return;
      const share = total > 0 ? ` (${Math.min(100, Math.round((progress / total) * 100))}%)` : "";
      const number = (n) => n.toLocaleString("en", { maximumFractionDigits: 2 });
      const count = total > 0 ? `${number(progress)}/${number(total)}` : number(progress);
      status.textContent = `running… ${count}${share}${message ? ` · ${message}` : ""}`;
    },
    setResult(ok, content) {
      item.classList.remove("pending");
      item.classList.add(ok ? "ok" : "failed");
      renderMarkdown(result, content);
      const long = content.length > FOLD_CHARS || content.split("\n").length > FOLD_LINES;
      status.textContent = `${ok ? "done" : "failed"}${long ? ` · ${content.length.toLocaleString("en")} characters` : ""}`;
      // A long result folds: the conversation stays readable, a click opens it.
      details.open = !long;
    },
  };
}

const GROUP_LINE = /^(\S+) \((\d+) tools?(?:, (\d+) on this page)?\)$/;

/**
 * The console's `/tools` text (a heading per server with its count, then indented tools) as one
 * folding group per server and a filter; text that is not such a listing stays as it is.
 */
export function toolsListing(text) {
  const lines = text.split("\n");
  const groups = [];
  const rest = [];
  let group;
  for (const line of lines.slice(1)) {
    const heading = GROUP_LINE.exec(line);
    if (heading) {
      group = { server: heading[1], total: Number(heading[2]), tools: [] };
      groups.push(group);
    } else if (group && line.startsWith("      ")) {
      const last = group.tools.at(-1);
      if (last) last.description = line.trim();
    } else if (group && line.startsWith("  ")) {
      group.tools.push({ signature: line.trim(), description: "" });
    } else {
      group = undefined;
      rest.push(line);
    }
  }
  if (groups.length === 0) return element("pre", "plain", text);

  const root = element("div", "tools-listing");
  const filter = element("input", "tools-filter");
  filter.type = "search";
  filter.placeholder = "filter tools";
  filter.setAttribute("aria-label", "Filter tools by name");
  root.append(element("p", "tools-heading", lines[0]), filter);
  const sections = groups.map(({ server, total, tools }) => {
    const details = element("details", "tools-group");
    details.dataset.server = server;
    details.open = groups.length === 1;
    const summary = element("summary");
    const count = element("span", "count", `${total} tool${total === 1 ? "" : "s"}`);
    summary.append(element("span", "server", server), count);
    const list = element("ul");
    const items = tools.map((tool) => {
      const entry = element("li");
      entry.dataset.name = tool.signature.split("(")[0].toLowerCase();
      entry.append(element("code", "", tool.signature));
      if (tool.description) entry.append(element("span", "description", tool.description));
      list.append(entry);
      return entry;
    });
    details.append(summary, list);
    root.append(details);
    return { details, items, count, total };
  });
  filter.addEventListener("input", () => {
    const needle = filter.value.trim().toLowerCase();
    for (const { details, items, count, total } of sections) {
      let shown = 0;
      for (const entry of items) {
        entry.hidden = needle !== "" && !entry.dataset.name.includes(needle);
        if (!entry.hidden) shown += 1;
      }
      details.hidden = shown === 0;
      details.open = needle !== "" && shown > 0;
      count.textContent = needle === "" ? `${total} tool${total === 1 ? "" : "s"}` : `${shown} of ${total}`;
    }
  });
  const tail = rest.join("\n").trim();
  if (tail) root.append(element("pre", "plain", tail));
  return root;
}

/** A message of a chat's history (role user, assistant or tool). */
export function historyMessage(message, renderFor) {
  if (message.role === "assistant" && !message.text) return undefined;
  if (message.role === "user") return userMessage(message.text, { interrupted: message.interrupted === true });
  if (message.role === "tool") {
    const block = toolMessage(message.name ?? "tool", message.arguments ?? "");
    block.setResult(message.ok !== false, message.text ?? "");
    return block.item;
  }
  const answer = assistantMessage(renderFor);
  answer.set(message.text ?? "");
  answer.flush();
  return answer.item;
}

/**
 * The chat page's files: our own (public/) and the browser libraries it uses, served from the
 * package's node_modules (never a CDN: the page's CSP allows only its own origin). Read once at start.
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const PUBLIC_DIR = new URL("../public/", import.meta.url);

/** Route → file under public/. */
const OWN_FILES: Record<string, string> = {
  "/": "index.html",
  "/app.js": "app.js",
  "/chats.js": "chats.js",
  "/messages.js": "messages.js",
  "/panel.js": "panel.js",
  "/style.css": "style.css",
};

/**
 * Route → a module resolved from this package (so the version is the one in package.json) and,
 * when its entry is not the browser's ES module, that module's file beside the entry.
 */
const VENDOR_FILES: Record<string, { module: string; beside?: string }> = {
  "/vendor/marked.js": { module: "marked" },
  "/vendor/purify.js": { module: "dompurify", beside: "purify.es.mjs" },
  "/vendor/uplot.js": { module: "uplot/dist/uPlot.esm.js" },
  "/vendor/uplot.css": { module: "uplot/dist/uPlot.min.css" },
};
const require = createRequire(import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export interface PageFile {
  route: string;
  body: string;
  contentType: string;
}

export function loadPageFiles(): PageFile[] {
  const own = Object.entries(OWN_FILES).map(([route, file]) => [route, new URL(file, PUBLIC_DIR)] as const);
  const vendor = Object.entries(VENDOR_FILES).map(([route, { module, beside }]) => {
    const entry = pathToFileURL(require.resolve(module));
    return [route, beside ? new URL(beside, entry) : entry] as const;
  });
  return [...own, ...vendor].map(([route, url]) => {
    const path = fileURLToPath(url);
    // The libraries end with a sourceMappingURL comment; their maps are not served, so it is dropped.
    const body = readFileSync(path, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
    return { route, body, contentType: CONTENT_TYPES[path.split(".").pop()!]! };
  });
}

/**
 * The chat page's files: our own (public/) and the browser libraries it uses, served from the
 * package's node_modules (never a CDN: the page's CSP allows only its own origin). Read once at start.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

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

/** Route → module specifier resolved like an import, so the version is the one in package.json. */
const VENDOR_FILES: Record<string, string> = {
  "/vendor/marked.js": "marked",
  "/vendor/purify.js": "dompurify",
  "/vendor/uplot.js": "uplot/dist/uPlot.esm.js",
  "/vendor/uplot.css": "uplot/dist/uPlot.min.css",
};

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
  const vendor = Object.entries(VENDOR_FILES).map(([route, specifier]) => [route, new URL(import.meta.resolve(specifier))] as const);
  return [...own, ...vendor].map(([route, url]) => {
    const path = fileURLToPath(url);
    // The libraries end with a sourceMappingURL comment; their maps are not served, so it is dropped.
    const body = readFileSync(path, "utf8").replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n");
    return { route, body, contentType: CONTENT_TYPES[path.split(".").pop()!]! };
  });
}

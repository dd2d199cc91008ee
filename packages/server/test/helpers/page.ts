/**
 * The chat page in chromium, for tests:
 *   openChatPage(browser, url, opts)   a page that records its errors and the console's CSP reports; waits until connected
 *   screenshot(page, name)             saved under .test-out/page/<name>.png (gitignored) for a person to look at
 *   sendQuestion(page, text)           types a question and presses Enter
 *   lastToolResult(page)               the trimmed text of the newest successful tool result shown ("" if none)
 *   contrastRatio(fg, bg)              WCAG 2 contrast of two "rgb(r, g, b)" colors
 *   useServerAndChromium(servers, o)   a chat server and a browser for a describe block, started in beforeAll, ended in afterAll
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { ChatServerOptions } from "../../src/index.js";
import { launchChromium } from "./chromium.js";
import { startChatServer, type TestServer } from "./servers.js";

const OUT_DIR = fileURLToPath(new URL("../../../../.test-out/page/", import.meta.url));

export interface ChatPage {
  page: Page;
  /** Uncaught errors, console errors (a CSP violation is one) and requests to another origin (a CDN). */
  errors: string[];
}

export async function openChatPage(
  browser: Browser,
  url: string,
  { width = 1280, height = 800, status = "connected" }: { width?: number; height?: number; status?: string } = {},
): Promise<ChatPage> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("request", (request) => {
    const target = new URL(request.url());
    if (target.protocol !== "data:" && target.origin !== new URL(url).origin) errors.push(`request to another origin: ${request.url()}`);
  });
  await page.goto(url);
  await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toContain(status);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  await page.screenshot({ path: `${OUT_DIR}${name}.png` });
}

export async function sendQuestion(page: Page, text: string): Promise<void> {
  await page.fill("#question", text);
  await page.press("#question", "Enter");
}

function luminance(color: string): number {
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The trimmed text of the newest successful tool result on the page ("" while there is none); for expect.poll. */
export async function lastToolResult(page: Page): Promise<string> {
  const results = page.locator(".message.tool.ok .tool-result");
  if ((await results.count()) === 0) return "";
  return ((await results.last().textContent()) ?? "").trim();
}

export function contrastRatio(foreground: string, background: string): number {
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light! + 0.05) / (dark! + 0.05);
}

export interface ServerAndChromium {
  server: TestServer;
  browser: Browser;
  /** The fake model, when a script was given. */
  llm?: FakeLlm;
}

/**
 * Filled in beforeAll; closed (browser, server, model) in afterAll. With `modelScript` the server is
 * in LLM mode, talking to a fake model (test-support fake-llm) that answers with that script.
 */
export function useServerAndChromium(
  mcpServers: Record<string, object>,
  options: ChatServerOptions = {},
  modelScript?: Parameters<FakeLlm["script"]>[0],
): ServerAndChromium {
  const started = {} as ServerAndChromium;
  beforeAll(async () => {
    if (modelScript) {
      started.llm = await startFakeLlm();
      started.llm.script(modelScript);
    }
    const model = started.llm && { llm: fakeModelSettings(started.llm) };
    started.server = await startChatServer(mcpServers, { ...options, ...model });
    started.browser = await launchChromium();
  });
  afterAll(async () => {
    await started.browser?.close();
    await started.server?.close({ graceMs: 500 });
    await started.llm?.close();
  });
  return started;
}

/** The server's `llm` option for a fake model. */
export function fakeModelSettings(llm: FakeLlm): NonNullable<ChatServerOptions["llm"]> {
  return { apiKey: "test", baseURL: llm.baseURL, model: "fake", maxRetries: 0 };
}

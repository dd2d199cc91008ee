import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatServer, type ChatServer } from "../src/index.js";
import { ChatClient, handshakeStatus } from "./helpers/chat-client.js";
import { launchChromium } from "./helpers/chromium.js";
import { captureLogs, findLog } from "./helpers/log-capture.js";

/** The status of GET `path` sent with this Host header (fetch cannot set Host). */
function statusWithHost(serverUrl: string, path: string, host: string): Promise<number> {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A page on another origin that opens the chat server's socket and asks for a tool; it records what happened. */
function attackerPage(socketUrl: string): string {
  return `<!doctype html><title>elsewhere</title><script>
    window.events = [];
    const ws = new WebSocket(${JSON.stringify(socketUrl)});
    ws.onopen = () => events.push("open");
    ws.onmessage = (e) => {
      events.push("frame " + e.data);
      ws.send(JSON.stringify({ chat_id: "x", question: '/call everything__echo {"message":"driven from elsewhere"}' }));
    };
    ws.onclose = (e) => events.push("closed " + e.code);
  </script>`;
}

describe("safe defaults: auth off, bound to 127.0.0.1, no ALLOWED_ORIGINS or ALLOWED_HOSTS, the default MCP config", () => {
  let server: ChatServer;
  let elsewhere: Server;
  let browser: Browser;
  const { logger, lines } = captureLogs();

  beforeAll(async () => {
    server = await createChatServer({ port: 0, logger });
    elsewhere = createServer((_req, res) => res.end(attackerPage(`${server.url.replace("http", "ws")}/ws`)));
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    // evil.example is a name that resolves to this machine, as a rebinding attacker's would.
    browser = await launchChromium(["--host-resolver-rules=MAP evil.example 127.0.0.1"]);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => elsewhere?.close(resolve));
    await server?.close({ graceMs: 500 });
  });

  it("refuses a WebSocket or API request from another origin (403) and admits the page's own origin", async () => {
    expect((await handshakeStatus(server.url, { headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect((await handshakeStatus(server.url, { headers: { origin: "http://127.0.0.1:1" } })).status).toBe(403);
    expect((await handshakeStatus(server.url, { headers: { origin: "null" } })).status).toBe(403);
    expect((await handshakeStatus(server.url, { headers: { origin: server.url } })).status).toBe(101);
    expect((await handshakeStatus(server.url)).status).toBe(101);
    expect((await fetch(`${server.url}/api/stats`, { headers: { origin: "http://evil.example" } })).status).toBe(403);
    expect(findLog(lines, { limit: "ALLOWED_ORIGINS", msg: "request refused", remote_address: "127.0.0.1" })).toBeDefined();
  });

  it("in chromium, a page on another origin cannot open the socket, let alone call a tool", async () => {
    const page = await browser.newPage();
    const { port } = elsewhere.address() as AddressInfo;
    await page.goto(`http://evil.example:${port}/`);
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { events: string[] }).events), { timeout: 10_000 })
      .toContainEqual(expect.stringMatching(/^closed/));
    const events = await page.evaluate(() => (globalThis as unknown as { events: string[] }).events);
    expect(events).toEqual(["closed 1006"]);
    await page.close();
  });

  it("serves only loopback Host names (DNS rebinding), in chromium too", async () => {
    const { port } = new URL(server.url);
    expect(await statusWithHost(server.url, "/", `evil.example:${port}`)).toBe(403);
    expect(await statusWithHost(server.url, "/api/stats", `evil.example:${port}`)).toBe(403);
    expect(await statusWithHost(server.url, "/", `localhost:${port}`)).toBe(200);
    expect(await statusWithHost(server.url, "/", `127.0.0.1:${port}`)).toBe(200);
    expect(await statusWithHost(server.url, "/", `[::1]:${port}`)).toBe(200);

    const page = await browser.newPage();
    const response = await page.goto(`http://evil.example:${port}/`);
    expect(response?.status()).toBe(403);
    expect(findLog(lines, { limit: "ALLOWED_HOSTS", msg: "request refused" })).toBeDefined();
    await page.close();
  });

  it("sends a CSP that lets the page load only its own files, and no framing, sniffing or referrer", async () => {
    for (const path of ["/", "/app.js", "/vendor/purify.js", "/api/stats"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("works as the page under that CSP in chromium, with no violation", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.textContent("#status"), { timeout: 10_000 }).toContain("tool console");
    await page.fill("#question", '/call everything__echo {"message":"same origin"}');
    await page.press("#question", "Enter");
    const result = page.locator(".message.tool.ok .tool-result");
    await expect.poll(() => result.textContent().then((text) => text?.trim()), { timeout: 15_000 }).toBe("Echo: same origin");
    expect(violations).toEqual([]);
    await page.close();
  });

  it("offers no demo tool that reads the environment or fetches URLs, while the console stays usable", async () => {
    const client = await ChatClient.open(server.url);
    const tools = (await client.ask("t", "/tools")).at(-1);
    expect(tools).toMatchObject({ type: "answer" });
    const listing = tools?.type === "answer" ? tools.text : "";
    expect(listing).toContain("everything__echo");
    expect(listing).not.toContain("get-env");
    expect(listing).not.toContain("gzip-file-as-resource");
    expect((await client.ask("t", "/call everything__get-env {}")).at(-1)).toMatchObject({ type: "error", code: "bad_request" });
    expect(
      (await client.ask("t", '/call everything__gzip-file-as-resource {"name":"x","data":"http://127.0.0.1:1/"}')).at(-1),
    ).toMatchObject({
      type: "error",
      code: "bad_request",
    });
    expect((await client.ask("t", '/call everything__echo {"message":"still here"}')).at(-1)).toMatchObject({ text: "Echo: still here" });
    await client.close();
  });
});

import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { launchChromium } from "./helpers/chromium.js";
import { everythingEntry, startChatServer, type TestServer } from "./helpers/servers.js";

describe("the chat page in chromium", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startChatServer({ everything: everythingEntry({ pool: { maxConnections: 2 } }) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close({ graceMs: 500 });
  });

  it("shows the console help, sends a /call, shows the tool call, its result and the live panel", async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}/`);

    await expect.poll(() => page.textContent("#status"), { timeout: 10_000 }).toContain("tool console");
    await expect.poll(() => page.textContent("#messages"), { timeout: 15_000 }).toContain("/call <tool> <json>");

    await page.fill("#question", '/call everything__echo {"message":"from the browser"}');
    await page.press("#question", "Enter");
    const tool = page.locator(".message.tool.ok");
    await tool.waitFor();
    expect(await tool.locator("summary").textContent()).toContain("everything__echo");
    expect(await tool.locator(".tool-args").textContent()).toContain('"message": "from the browser"');
    expect(await tool.locator(".tool-result").textContent()).toBe("Echo: from the browser");
    await expect.poll(() => page.locator(".message.assistant").last().textContent(), { timeout: 15_000 }).toBe("Echo: from the browser");

    // Another user joins: the live panel counts both and shows the pool of the MCP server.
    const other = await ChatClient.open(server.url);
    const row = page.locator('#servers tr[data-server="everything"]');
    await expect.poll(() => page.textContent("#users-online"), { timeout: 10_000 }).toBe("2");
    await expect.poll(() => row.locator(".clients-open").textContent(), { timeout: 10_000 }).toBe("1");
    expect(await row.locator(".in-flight").textContent()).toBe("0");
    expect(await row.locator(".waiting").textContent()).toBe("0");
    await other.close();
    await expect.poll(() => page.textContent("#users-online"), { timeout: 10_000 }).toBe("1");

    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("shows an error frame to the user, e.g. for an unknown tool, and stays usable", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.textContent("#status"), { timeout: 10_000 }).toContain("connected");
    await page.fill("#question", "/call everything__nope {}");
    await page.press("#question", "Enter");
    const error = page.locator(".message.error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^bad_request: Unknown tool "everything__nope"/);
    expect(await page.isHidden("#cancel")).toBe(true);

    await page.fill("#question", '/call everything__echo {"message":"after the error"}');
    await page.press("#question", "Enter");
    await expect.poll(() => page.locator(".message.assistant").last().textContent(), { timeout: 15_000 }).toBe("Echo: after the error");
    await page.close();
  });

  it("with auth on, takes ?token= from the address, connects as that user and fills the live panel", async () => {
    const guarded = await startChatServer({ everything: everythingEntry() }, { authTokens: new Map([["tok-ann", "ann"]]) });
    const page = await browser.newPage();
    try {
      await page.goto(`${guarded.url}/?token=tok-ann`);
      await expect.poll(() => page.textContent("#you"), { timeout: 10_000 }).toBe("you are ann");
      expect(new URL(page.url()).search).toBe("");
      await expect.poll(() => page.textContent("#users-online"), { timeout: 10_000 }).toBe("1");
      await page.fill("#question", '/call everything__echo {"message":"signed in"}');
      await page.press("#question", "Enter");
      await expect.poll(() => page.locator(".message.assistant").last().textContent(), { timeout: 15_000 }).toBe("Echo: signed in");
    } finally {
      await page.close();
      await guarded.close({ graceMs: 500 });
    }
  });
});

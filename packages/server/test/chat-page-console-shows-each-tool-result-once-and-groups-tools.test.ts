import { describe, expect, it } from "vitest";
import { openChatPage, screenshot, lastToolResult, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { everythingEntry, labEntry, startChatServer } from "./helpers/servers.js";

describe("the chat page as a tool console, in chromium", () => {
  const live = useServerAndChromium({ everything: everythingEntry({ pool: { maxConnections: 2 } }), lab: labEntry() });

  it("renders its first numbers from the open socket, shows Cancel only while a turn runs, and each tool result once", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    // The first poll runs once the socket is open: it already counts this user, never 0.
    await page.waitForFunction('document.querySelector("#users-online").textContent !== "–"');
    expect(await page.textContent("#users-online")).toBe("1");
    await expect.poll(() => page.textContent("#messages"), { timeout: 15_000 }).toContain("/call <tool> <json>");
    expect(await page.isHidden("#cancel")).toBe(true);

    await sendQuestion(page, '/call everything__echo {"message":"from the browser"}');
    const tool = page.locator(".message.tool.ok");
    await tool.waitFor();
    expect(await tool.locator("summary").textContent()).toContain("everything__echo");
    expect(await tool.locator(".tool-args").textContent()).toContain('"message": "from the browser"');
    expect((await tool.locator(".tool-result").textContent())?.trim()).toBe("Echo: from the browser");
    await expect.poll(() => page.isHidden("#cancel"), { timeout: 15_000 }).toBe(true);
    // The console's answer is the same text as the result: it is shown once, in the tool block.
    const shown = await page.locator(".messages:not([hidden])").textContent();
    expect(shown?.split("Echo: from the browser").length).toBe(2);
    expect(await page.locator(".message.tool").count()).toBe(1);
    // The chat is titled by its first question.
    expect(await page.locator('#chat-list button[aria-current="true"]').textContent()).toBe(
      '/call everything__echo {"message":"from the browser"}',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a running tool's progress in its block, then that it is done", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    await sendQuestion(page, '/call lab__progress {"steps": 8, "intervalMs": 300}');
    const status = page.locator(".message.tool .tool-status");
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/^running… [1-8]\/8 \(\d+%\) · step [1-8]$/);
    await page.locator(".message.tool.ok").waitFor({ timeout: 15_000 });
    expect(await status.textContent()).toBe("done");
    expect((await page.locator(".message.tool .tool-result").textContent())?.trim()).toBe("done:8");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("groups /tools by server with counts, folds each group and filters them; /tools <text> asks the server", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    await sendQuestion(page, "/tools");
    const groups = page.locator(".tools-listing .tools-group");
    await expect.poll(() => groups.count(), { timeout: 15_000 }).toBe(2);
    const lab = page.locator('.tools-group[data-server="lab"]');
    const everything = page.locator('.tools-group[data-server="everything"]');
    expect(await everything.locator(".count").textContent()).toBe("13 tools");
    // Folded: the names are there, not shown until the group is opened.
    expect(await lab.getAttribute("open")).toBeNull();
    expect(await lab.locator('li[data-name="lab__slow_read"]').isVisible()).toBe(false);
    await lab.locator("summary").click();
    expect(await lab.locator('li[data-name="lab__slow_read"]').isVisible()).toBe(true);
    await screenshot(page, "tools-grouped");

    await page.fill(".tools-filter", "slow");
    expect(await everything.isHidden()).toBe(true);
    expect(await lab.locator(".count").textContent()).toMatch(/^2 of \d+$/);
    expect(await lab.locator("li:not([hidden])").allTextContents()).toEqual([
      expect.stringContaining("lab__slow_read"),
      expect.stringContaining("lab__slow_write"),
    ]);

    await sendQuestion(page, "/tools echo");
    await expect.poll(() => page.locator(".tools-listing").count(), { timeout: 15_000 }).toBe(2);
    const filtered = page.locator(".tools-listing").last();
    expect(await filtered.locator(".tools-group").count()).toBe(2);
    expect(await filtered.locator(".tools-heading").textContent()).toMatch(/tools on 2 servers:$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows an error frame to the user, e.g. for an unknown tool, and stays usable", async () => {
    const { page } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    await sendQuestion(page, "/call everything__nope {}");
    const error = page.locator(".message.error");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^bad_request: Unknown tool "everything__nope"/);
    expect(await page.isHidden("#cancel")).toBe(true);

    await sendQuestion(page, '/call everything__echo {"message":"after the error"}');
    await expect.poll(() => lastToolResult(page), { timeout: 15_000 }).toBe("Echo: after the error");
    await page.close();
  });

  it("with auth on, takes ?token= from the address, connects as that user and fills the live panel", async () => {
    const guarded = await startChatServer({ everything: everythingEntry() }, { authTokens: new Map([["tok-ann", "ann"]]) });
    try {
      const { page } = await openChatPage(live.browser, `${guarded.url}/?token=tok-ann`);
      await expect.poll(() => page.textContent("#you"), { timeout: 10_000 }).toBe("you are ann");
      expect(new URL(page.url()).search).toBe("");
      await expect.poll(() => page.textContent("#users-online"), { timeout: 10_000 }).toBe("1");
      await sendQuestion(page, '/call everything__echo {"message":"signed in"}');
      await expect.poll(() => lastToolResult(page), { timeout: 15_000 }).toBe("Echo: signed in");
      await page.close();
    } finally {
      await guarded.close({ graceMs: 500 });
    }
  });
});

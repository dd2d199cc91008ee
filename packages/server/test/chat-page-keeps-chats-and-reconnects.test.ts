import { describe, expect, it } from "vitest";
import { openChatPage, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { labEntry, startChatServer } from "./helpers/servers.js";

const IDLE_TIMEOUT_MS = 3000;

describe("the chat page's chats and its connection, in chromium", () => {
  const live = useServerAndChromium({ lab: labEntry() });

  it("lists the tab's chats titled by their first question, switches between them, and keeps the list over a reload", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    await sendQuestion(page, '/call lab__echo {"text":"in the first chat"}');
    await page.locator(".message.tool.ok").waitFor();

    await page.click("#new-chat");
    expect(await page.locator(".message.tool").filter({ visible: true }).count()).toBe(0);
    await sendQuestion(page, '/call lab__echo {"text":"in the second chat"}');
    await expect
      .poll(() => page.locator(".message.tool.ok").filter({ visible: true }).textContent(), { timeout: 15_000 })
      .toContain("echo:in the second chat");

    const titles = page.locator("#chat-list button");
    expect(await titles.allTextContents()).toEqual([
      '/call lab__echo {"text":"in the second chat"}',
      '/call lab__echo {"text":"in the first chat"}',
    ]);
    await titles.nth(1).click();
    expect(await page.locator(".message.tool.ok").filter({ visible: true }).textContent()).toContain("echo:in the first chat");
    expect(await titles.nth(1).getAttribute("aria-current")).toBe("true");

    await page.reload();
    await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toContain("tool console");
    expect(await titles.allTextContents()).toEqual([
      '/call lab__echo {"text":"in the second chat"}',
      '/call lab__echo {"text":"in the first chat"}',
    ]);
    expect(await titles.nth(1).getAttribute("aria-current")).toBe("true");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("reconnects by itself after the server closes the socket, and the next question is answered", async () => {
    const idle = await startChatServer({ lab: labEntry() }, { idleTimeoutMs: IDLE_TIMEOUT_MS });
    try {
      const { page } = await openChatPage(live.browser, `${idle.url}/`, { status: "tool console" });
      const firstUser = await page.textContent("#you");
      // The server closes an idle socket (1000 idle timeout); the page says so, then comes back.
      await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toMatch(/^disconnected \(1000: idle timeout\), retrying/);
      await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toContain("connected · tool console");
      expect(await page.textContent("#you")).not.toBe(firstUser);
      await sendQuestion(page, '/call lab__echo {"text":"after the reconnect"}');
      await expect
        .poll(() => page.locator(".message.tool.ok").last().textContent(), { timeout: 15_000 })
        .toContain("echo:after the reconnect");
      await page.close();
    } finally {
      await idle.close({ graceMs: 500 });
    }
  });
});

import { describe, expect, it } from "vitest";
import { contrastRatio, openChatPage, screenshot, lastToolResult, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { labEntry } from "./helpers/servers.js";

/** Text on the page whose contrast is measured (each must be there when measured). */
const TEXTS = [
  ".message.user",
  ".message.assistant",
  ".message.error",
  ".message.tool .tool-name",
  ".message.tool .tool-status",
  ".message.tool .tool-args",
  "#status",
  "#you",
  ".keys",
  "#send",
  "#new-chat",
  '#chat-list button[aria-current="true"]',
  ".totals dt",
  ".totals dd",
  "#chart-caption",
  "#servers th",
  "#servers td",
  ".live h3",
];

/** In the page: for each selector, its text color and the first opaque background behind it. */
const COLORS_SCRIPT = `(selectors) => selectors.map((selector) => {
  const element = document.querySelector(selector);
  if (!element) return { selector, missing: true };
  const opaque = (color) => color !== "rgba(0, 0, 0, 0)" && color !== "transparent";
  let node = element;
  while (node && !opaque(getComputedStyle(node).backgroundColor)) node = node.parentElement;
  return { selector, color: getComputedStyle(element).color, background: node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)" };
})`;

describe("the chat page with the keyboard, at phone width, and its contrast, in chromium", () => {
  const live = useServerAndChromium({ lab: labEntry() });

  it("at 390 px: Shift+Enter breaks the line, Enter sends, Esc cancels the running turn; nothing is wider than the screen", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { width: 390, height: 844, status: "tool console" });
    await page.fill("#question", "/call lab__echo");
    await page.press("#question", "Shift+Enter");
    await page.type("#question", '{"text":"two lines"}');
    expect(await page.inputValue("#question")).toBe('/call lab__echo\n{"text":"two lines"}');
    expect(await page.locator(".message.user").count()).toBe(0);
    await page.press("#question", "Enter");
    await expect.poll(() => lastToolResult(page), { timeout: 15_000 }).toBe("echo:two lines");
    expect(await page.inputValue("#question")).toBe("");

    await sendQuestion(page, '/call lab__slow_read {"ms":60000}');
    await page.locator("#cancel").waitFor({ state: "visible" });
    const started = Date.now();
    await page.keyboard.press("Escape");
    const error = page.locator(".message.error");
    await error.waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toMatch(/^cancelled: /);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await page.isHidden("#cancel")).toBe(true);
    expect(await page.locator(".message.tool.failed .tool-status").textContent()).toBe("failed");

    // Phone width: no sideways scrolling, the question box and Send inside the screen.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    for (const selector of ["#question", "#send", "#new-chat"]) {
      const box = await page.locator(selector).boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, selector).toBeLessThanOrEqual(390);
    }
    await screenshot(page, "phone-390");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("passes WCAG AA: every text measured has a contrast of at least 4.5:1 against what is behind it", async () => {
    const { page } = await openChatPage(live.browser, `${live.server.url}/`, { status: "tool console" });
    await expect.poll(() => page.locator(".message.assistant").count(), { timeout: 15_000 }).toBe(1);
    await sendQuestion(page, '/call lab__echo {"text":"contrast"}');
    await page.locator(".message.tool.ok").waitFor();
    await sendQuestion(page, "/nope");
    await page.locator(".message.error").waitFor();
    await page.locator("#servers td").first().waitFor();

    const measured = (await page.evaluate(`(${COLORS_SCRIPT})(${JSON.stringify(TEXTS)})`)) as {
      selector: string;
      missing?: boolean;
      color: string;
      background: string;
    }[];
    expect(measured.filter((m) => m.missing).map((m) => m.selector)).toEqual([]);
    const low = measured
      .map((m) => ({ ...m, ratio: Math.round(contrastRatio(m.color, m.background) * 100) / 100 }))
      .filter((m) => m.ratio < 4.5);
    expect(low).toEqual([]);
    await page.close();
  });
});

import { describe, expect, it } from "vitest";
import { openChatPage, screenshot, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { everythingEntry } from "./helpers/servers.js";

const HOSTILE =
  '<script>window.pwned = "script"</script><img src="data:," onerror="window.pwned = \'onerror\'">\n\n# heading from the tool';
const ANSWER = ["## The result\n\n", "Some **bold** text and a list:\n\n- one\n- two\n\n", "```js\nconst answer = 42;\n```\n"];
const LONG = "a long line of tool output\n".repeat(60);

describe("the chat page renders Markdown and keeps tool output inert, in chromium", () => {
  const live = useServerAndChromium({ everything: everythingEntry() }, {}, (request) => {
    const last = request.messages.at(-1);
    const question = request.messages.filter((m) => m.role === "user").at(-1)?.content ?? "";
    if (last?.role === "tool") return { text: question === "long" ? "Done." : ANSWER };
    const message = question === "long" ? LONG : HOSTILE;
    return { toolCalls: [{ name: "everything__echo", arguments: JSON.stringify({ message }) }] };
  });

  it("shows a streamed Markdown answer as headings, lists and code blocks, the tool result once, and runs no script from it", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/`, { status: "LLM agent" });
    await sendQuestion(page, "show me");
    const answer = page.locator(".message.assistant");
    await expect.poll(() => answer.locator("pre code").textContent(), { timeout: 15_000 }).toBe("const answer = 42;\n");
    expect(await answer.locator("h2").textContent()).toBe("The result");
    expect(await answer.locator("strong").textContent()).toBe("bold");
    expect(await answer.locator("li").allTextContents()).toEqual(["one", "two"]);
    expect(await answer.count()).toBe(1);

    const tool = page.locator(".message.tool");
    expect(await tool.count()).toBe(1);
    expect(await tool.locator(".tool-result h1").textContent()).toBe("heading from the tool");
    // The tool's HTML is sanitized: no script element, no handler, nothing ran.
    expect(await page.locator("#messages script").count()).toBe(0);
    expect(await page.locator("#messages [onerror]").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    await expect.poll(() => page.isHidden("#cancel"), { timeout: 5_000 }).toBe(true);
    await screenshot(page, "markdown-answer");
    // Parsing the tool's HTML to sanitize it makes chromium report the handler that the page's CSP
    // refused to run: the only console errors, and a second wall behind DOMPurify.
    expect(
      errors.filter((error) => !error.includes("violates the following Content Security Policy directive 'script-src 'self''")),
    ).toEqual([]);
    await page.close();
  });

  it("folds a long tool result, which opens on a click", async () => {
    const { page } = await openChatPage(live.browser, `${live.server.url}/`, { status: "LLM agent" });
    await sendQuestion(page, "long");
    await expect
      .poll(
        () =>
          page
            .locator(".message.assistant")
            .textContent()
            .then((text) => text?.trim()),
        { timeout: 15_000 },
      )
      .toBe("Done.");
    const details = page.locator(".message.tool details");
    expect(await details.getAttribute("open")).toBeNull();
    expect(await page.locator(".message.tool .tool-status").textContent()).toMatch(/^done · [\d,]+ characters$/);
    expect(await page.locator(".message.tool .tool-result").isVisible()).toBe(false);
    await page.locator(".message.tool summary").click();
    expect(await page.locator(".message.tool .tool-result").isVisible()).toBe(true);
    await page.close();
  });
});

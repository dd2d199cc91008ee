import { InMemoryConversationStore } from "@mcp-pool/agent";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { ChatClient } from "./helpers/chat-client.js";
import { fakeModelSettings, openChatPage, sendQuestion, useServerAndChromium } from "./helpers/page.js";
import { labEntry, startChatServer, type TestServer } from "./helpers/servers.js";

const IDLE_TIMEOUT_MS = 5000;

/** What the open chat shows, one line per message: its kind and its text. */
function shownMessages(page: Page): Promise<string[]> {
  return page
    .locator(".messages:not([hidden]) > li")
    .evaluateAll((items) =>
      items.map(
        (item) => `${item.className.replace("message ", "").split(" ")[0]}: ${(item.textContent ?? "").trim().replace(/\s+/g, " ")}`,
      ),
    );
}

describe("the chat page shows a chat's earlier messages after a reload or a reconnect (history frame), in chromium", () => {
  // A question starting with "read" makes the model call a tool first.
  const live = useServerAndChromium(
    { lab: labEntry() },
    { authTokens: new Map([["tok-ann", "ann"]]), idleTimeoutMs: IDLE_TIMEOUT_MS },
    (request) => {
      const last = request.messages.at(-1)!;
      if (last.role === "user" && last.content?.startsWith("read")) {
        return { toolCalls: [{ name: "lab__slow_read", arguments: JSON.stringify({ ms: 1, text: "notes" }) }] };
      }
      return { text: `## answer ${request.messages.filter((m) => m.role === "user").length}` };
    },
  );

  it("a reload shows each chat's questions, tool calls and rendered answers again, in order", async () => {
    const { page, errors } = await openChatPage(live.browser, `${live.server.url}/?token=tok-ann`, { status: "LLM agent" });
    await sendQuestion(page, "read my notes");
    await expect.poll(() => page.locator(".message.assistant h2").count(), { timeout: 15_000 }).toBe(1);
    await sendQuestion(page, "and then?");
    await expect.poll(() => page.locator(".message.assistant h2").count(), { timeout: 15_000 }).toBe(2);
    const before = await shownMessages(page);
    expect(before).toEqual([
      "user: read my notes",
      expect.stringMatching(/^tool: ⚙ lab__slow_read.*slow:notes$/),
      "assistant: answer 1",
      "user: and then?",
      "assistant: answer 2",
    ]);
    await page.click("#new-chat");
    await sendQuestion(page, "a second chat");
    await expect.poll(() => page.locator(".messages:not([hidden]) .message.assistant").count(), { timeout: 15_000 }).toBe(1);

    await page.reload();
    await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toContain("LLM agent");
    await expect.poll(() => shownMessages(page), { timeout: 10_000 }).toEqual(["user: a second chat", "assistant: answer 1"]);
    await page.locator("#chat-list button", { hasText: "read my notes" }).click();
    await expect.poll(() => shownMessages(page), { timeout: 10_000 }).toEqual(before);
    expect(await page.locator(".message.assistant h2").first().textContent()).toBe("answer 1");
    expect(
      await page
        .locator(".message.tool .tool-result")
        .textContent()
        .then((t) => t?.trim()),
    ).toBe("slow:notes");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("after the server closes the socket, the page reconnects, asks for the history and shows the chat as stored, once", async () => {
    const { page } = await openChatPage(live.browser, `${live.server.url}/?token=tok-ann`, { status: "LLM agent" });
    await page.click("#new-chat");
    await sendQuestion(page, "before the close");
    await expect.poll(() => page.locator(".messages:not([hidden]) .message.assistant").count(), { timeout: 15_000 }).toBe(1);
    // The same user asks in this chat from another socket: only the history can bring it to the page.
    const chatId = await page.locator(".messages:not([hidden])").getAttribute("data-chat");
    const other = await ChatClient.open(live.server.url, { token: "tok-ann" });
    expect((await other.ask(chatId!, "from another socket")).at(-1)).toMatchObject({ type: "answer" });
    await other.close();
    expect(await shownMessages(page)).toEqual(["user: before the close", "assistant: answer 1"]);
    await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toMatch(/^disconnected \(1000: idle timeout\)/);
    await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toContain("connected · LLM agent");
    await sendQuestion(page, "after the reconnect");
    await expect
      .poll(() => shownMessages(page), { timeout: 15_000 })
      .toEqual([
        "user: before the close",
        "assistant: answer 1",
        "user: from another socket",
        "assistant: answer 2",
        "user: after the reconnect",
        "assistant: answer 3",
      ]);
    await page.close();
  });

  it("after its server restarts, the page comes back with backoff and the chat goes on from the shared store", async () => {
    const options = {
      llm: fakeModelSettings(live.llm!),
      memory: new InMemoryConversationStore(),
      authTokens: new Map([["tok-ann", "ann"]]),
    };
    const first = await startChatServer({ lab: labEntry() }, options);
    let second: TestServer | undefined;
    try {
      const { page } = await openChatPage(live.browser, `${first.url}/?token=tok-ann`, { status: "LLM agent" });
      await page.click("#new-chat");
      await sendQuestion(page, "before the restart");
      await expect.poll(() => shownMessages(page), { timeout: 15_000 }).toEqual(["user: before the restart", "assistant: answer 1"]);

      await first.close({ graceMs: 500 });
      await expect.poll(() => page.textContent("#status"), { timeout: 15_000 }).toMatch(/^disconnected \(/);
      second = await startChatServer({ lab: labEntry() }, { ...options, port: Number(new URL(first.url).port) });
      await expect.poll(() => page.textContent("#status"), { timeout: 30_000 }).toContain("connected · LLM agent");
      expect(await shownMessages(page)).toEqual(["user: before the restart", "assistant: answer 1"]);
      // The model got the earlier turn from the store: its answer counts two questions.
      await sendQuestion(page, "after the restart");
      await expect
        .poll(() => shownMessages(page), { timeout: 15_000 })
        .toEqual(["user: before the restart", "assistant: answer 1", "user: after the restart", "assistant: answer 2"]);
      await page.close();
    } finally {
      await first.close({ graceMs: 100 });
      await second?.close({ graceMs: 500 });
    }
  });
});

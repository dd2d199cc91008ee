import { describe, expect, it } from "vitest";
import { createAgent, InMemoryConversationStore, type Agent } from "../src/index.js";
import type { RecordedRequest } from "@mcp-pool/test-support/fake-llm";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

/** Each question first makes the model echo it through a tool, then answer with what it remembers. */
function echoThenRecall(request: RecordedRequest) {
  const questions = request.messages.filter((m) => m.role === "user").map((m) => m.content);
  const last = request.messages.at(-1)!;
  if (last.role === "user") {
    return { toolCalls: [{ name: "everything__echo", arguments: JSON.stringify({ message: last.content }) }] };
  }
  return { text: `I remember: ${questions.join(" | ")}` };
}

function askAll(turns: [Agent, string, string][]) {
  return Promise.all(turns.map(([agent, chatId, question]) => collect(agent.ask(chatId, question))));
}

describe("agents sharing one pool and one store", () => {
  it("keep every conversation to its own owner and chat, even when their turns run at the same time", async () => {
    const memory = new InMemoryConversationStore();
    const alice = createAgent({ sessionId: "session-a", owner: "alice", tools: fixture.manager, llm: fixture.settings, memory });
    const bob = createAgent({ sessionId: "session-b", owner: "bob", tools: fixture.manager, llm: fixture.settings, memory });
    fixture.llm.script(echoThenRecall);

    await askAll([
      [alice, "c1", "alice-one"],
      [bob, "c1", "bob-one"],
      [alice, "c2", "alice-other-chat"],
    ]);
    const second = await askAll([
      [alice, "c1", "alice-two"],
      [bob, "c1", "bob-two"],
      [alice, "c2", "alice-other-again"],
    ]);

    expect(second.map((events) => lastEvent(events))).toEqual([
      { type: "answer", chatId: "c1", text: "I remember: alice-one | alice-two" },
      { type: "answer", chatId: "c1", text: "I remember: bob-one | bob-two" },
      { type: "answer", chatId: "c2", text: "I remember: alice-other-chat | alice-other-again" },
    ]);
    // No request to the model ever mixed two conversations, tool results included.
    for (const request of fixture.llm.requests) {
      const text = JSON.stringify(request.messages);
      const conversations = ["alice-one", "bob-one", "alice-other-chat"].filter((q) => text.includes(q));
      expect(conversations).toHaveLength(1);
    }
    expect((await memory.load("bob", "c1")).filter((m) => m.role === "tool").map((m) => m.content)).toEqual([
      "Echo: bob-one",
      "Echo: bob-two",
    ]);
  });
});

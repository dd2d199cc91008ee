import { expect, it } from "vitest";
import { createAgent, InMemoryConversationStore } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

it("stops a model that keeps calling tools after maxSteps, with llm_failed, and keeps every call with its result", async () => {
  const memory = new InMemoryConversationStore();
  const agent = createAgent({
    sessionId: "s1",
    owner: "alice",
    tools: fixture.manager,
    memory,
    maxSteps: 3,
    llm: fixture.settings,
  });
  fixture.llm.script(() => ({ toolCalls: [{ name: "everything__echo", arguments: '{"message": "again"}' }] }));

  const events = await collect(agent.ask("c1", "Loop forever"));

  expect(fixture.llm.requests).toHaveLength(3);
  expect(events.filter((e) => e.type === "toolResult")).toHaveLength(3);
  expect(lastEvent(events)).toEqual({
    type: "error",
    chatId: "c1",
    code: "llm_failed",
    message: "The model was still calling tools after 3 steps (maxSteps); the turn was stopped.",
  });
  expect((await memory.load("alice", "c1")).map((m) => m.role)).toEqual([
    "user",
    ...["assistant", "tool", "assistant", "tool", "assistant", "tool"],
  ]);
});

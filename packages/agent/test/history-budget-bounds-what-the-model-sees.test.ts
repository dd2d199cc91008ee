import { expect, it } from "vitest";
import { createAgent, InMemoryConversationStore } from "../src/index.js";
import type { RecordedMessage, RecordedRequest } from "@mcp-pool/test-support/fake-llm";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

const LONG_ANSWER = "a".repeat(60);

/** "tool ..." questions make the model echo 100 characters first; every answer is 60 characters. */
function script(request: RecordedRequest) {
  const last = request.messages.at(-1)!;
  if (last.role === "user" && last.content?.startsWith("tool")) {
    return { toolCalls: [{ name: "everything__echo", arguments: JSON.stringify({ message: "x".repeat(100) }) }] };
  }
  return { text: LONG_ANSWER };
}

const shape = (messages: RecordedMessage[]) =>
  messages.map((m) =>
    m.role === "user" || m.role === "system" ? `${m.role}:${m.content}` : m.tool_calls ? "assistant+tool_calls" : m.role,
  );

it("sends the system prompt and the newest whole turns that fit the budget; the full history stays stored", async () => {
  const memory = new InMemoryConversationStore();
  const agent = createAgent({
    sessionId: "s1",
    owner: "alice",
    tools: fixture.manager,
    memory,
    systemPrompt: "sys",
    historyMaxChars: 200,
    llm: fixture.settings,
  });
  fixture.llm.script(script);

  for (const question of ["q1", "tool q2", "q3", "q4"]) {
    expect(lastEvent(await collect(agent.ask("c1", question)))).toMatchObject({ type: "answer" });
  }

  expect(fixture.llm.requests.map((r) => shape(r.messages))).toEqual([
    ["system:sys", "user:q1"],
    // q1's turn (62 chars) still fits beside the new question.
    ["system:sys", "user:q1", "assistant", "user:tool q2"],
    // The turn being answered is kept whole, its tool call beside its result; q1's turn no longer fits.
    ["system:sys", "user:tool q2", "assistant+tool_calls", "tool"],
    // The tool turn (about 260 chars) is over the budget: dropped whole, and everything older with it.
    ["system:sys", "user:q3"],
    ["system:sys", "user:q3", "assistant", "user:q4"],
  ]);
  expect((await memory.load("alice", "c1")).filter((m) => m.role === "user").map((m) => m.content)).toEqual(["q1", "tool q2", "q3", "q4"]);
});

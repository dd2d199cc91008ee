import { describe, expect, it } from "vitest";
import { createAgent, InMemoryConversationStore } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

describe("a turn with a model that calls tools", () => {
  it("streams the text, calls the tool through the pool, feeds the result back and answers", async () => {
    const memory = new InMemoryConversationStore();
    const agent = createAgent({
      sessionId: "s1",
      owner: "alice",
      tools: fixture.manager,
      llm: fixture.settings,
      memory,
      systemPrompt: "Be brief.",
    });
    fixture.llm.script([
      { text: "Let me echo.", toolCalls: [{ id: "call_echo", name: "everything__echo", arguments: '{"message": "hello pool"}' }] },
      { text: ["The tool said ", "hello pool."] },
    ]);

    const events = await collect(agent.ask("c1", "Echo hello pool"));

    expect(events).toEqual([
      { type: "delta", chatId: "c1", text: "Let me echo." },
      { type: "toolCall", chatId: "c1", callId: "call_echo", name: "everything__echo", arguments: { message: "hello pool" } },
      { type: "toolResult", chatId: "c1", callId: "call_echo", name: "everything__echo", ok: true, content: "Echo: hello pool" },
      { type: "delta", chatId: "c1", text: "The tool said " },
      { type: "delta", chatId: "c1", text: "hello pool." },
      { type: "answer", chatId: "c1", text: "The tool said hello pool." },
    ]);

    const [first, second] = fixture.llm.requests.slice(-2);
    expect(first?.stream).toBe(true);
    expect(first?.model).toBe("fake-model");
    expect(first?.tools?.map((t) => t.function.name)).toContain("everything__echo");
    expect(first?.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Echo hello pool" },
    ]);
    expect(second?.messages.slice(2)).toEqual([
      {
        role: "assistant",
        content: "Let me echo.",
        tool_calls: [{ id: "call_echo", type: "function", function: { name: "everything__echo", arguments: '{"message": "hello pool"}' } }],
      },
      { role: "tool", tool_call_id: "call_echo", content: "Echo: hello pool" },
    ]);
    expect((await memory.load("alice", "c1")).map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  it("gives failed, unknown and malformed calls back to the model as errors, so it can recover", async () => {
    const agent = createAgent({ sessionId: "s2", owner: "bob", tools: fixture.manager, llm: fixture.settings });
    fixture.llm.script([
      {
        toolCalls: [
          { id: "call_bad_args", name: "everything__get-sum", arguments: '{"a": "one", "b": 2}' },
          { id: "call_unknown", name: "everything__no-such-tool", arguments: "{}" },
          { id: "call_bad_json", name: "everything__echo", arguments: '{"message": ' },
        ],
      },
      { text: "Sorry, the tools failed." },
    ]);

    const events = await collect(agent.ask("c1", "Add one and two"));

    const results = events.filter((e) => e.type === "toolResult");
    expect(results.map((e) => [e.callId, e.ok])).toEqual(
      expect.arrayContaining([
        ["call_bad_args", false],
        ["call_unknown", false],
        ["call_bad_json", false],
      ]),
    );
    const byId = Object.fromEntries(results.map((e) => [e.callId, e.content]));
    expect(byId.call_unknown).toBe('Unknown tool "everything__no-such-tool". The tool was not called.');
    expect(byId.call_bad_json).toMatch(/^Invalid JSON arguments: .*The tool was not called\.$/);
    expect(byId.call_bad_args).toMatch(/number/i);
    // The malformed call reaches the client as the raw string the model sent.
    expect(events.find((e) => e.type === "toolCall" && e.callId === "call_bad_json")).toMatchObject({ arguments: '{"message": ' });

    const toolMessages = fixture.llm.requests.at(-1)!.messages.filter((m) => m.role === "tool");
    expect(toolMessages.map((m) => m.tool_call_id)).toEqual(["call_bad_args", "call_unknown", "call_bad_json"]);
    for (const message of toolMessages) expect(message.content).toMatch(/^Error: /);
    expect(lastEvent(events)).toEqual({ type: "answer", chatId: "c1", text: "Sorry, the tools failed." });
  });

  it("cuts a tool result over the budget, with a visible marker, for the model and the client", async () => {
    const agent = createAgent({ sessionId: "s3", owner: "carol", tools: fixture.manager, llm: fixture.settings, toolResultMaxChars: 20 });
    const message = "x".repeat(100);
    fixture.llm.script([
      { toolCalls: [{ id: "call_big", name: "everything__echo", arguments: JSON.stringify({ message }) }] },
      { text: "ok" },
    ]);

    const events = await collect(agent.ask("c1", "Echo a lot"));

    const cut = `Echo: ${"x".repeat(14)}\n…[truncated 86 chars]`;
    expect(events.find((e) => e.type === "toolResult")).toMatchObject({ ok: true, content: cut });
    expect(fixture.llm.requests.at(-1)!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: "call_big", content: cut });
  });

  it("calls only the tools its filter allows, and offers only those to the model", async () => {
    const agent = createAgent({
      sessionId: "s4",
      owner: "dave",
      tools: fixture.manager,
      llm: fixture.settings,
      toolFilter: { allow: ["everything__get-sum"] },
    });
    fixture.llm.script([{ toolCalls: [{ id: "call_hidden", name: "everything__echo", arguments: '{"message": "x"}' }] }, { text: "ok" }]);

    const events = await collect(agent.ask("c1", "Echo x"));

    expect(fixture.llm.requests.at(-2)!.tools?.map((t) => t.function.name)).toEqual(["everything__get-sum"]);
    expect(events.find((e) => e.type === "toolResult")).toMatchObject({ ok: false, content: expect.stringMatching(/^Unknown tool/) });
  });
});

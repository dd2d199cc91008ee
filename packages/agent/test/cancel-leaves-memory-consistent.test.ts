import { describe, expect, it } from "vitest";
import { createAgent, InMemoryConversationStore, type AgentEvent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

/** A 60-second tool: a test that waited for it would time out. */
const slowCall = { id: "call_slow", name: "everything__trigger-long-running-operation", arguments: '{"duration": 60, "steps": 60}' };

/** Collects a turn, aborting when `when` first matches an event. */
async function collectAndAbortWhen(events: (signal: AbortSignal) => AsyncIterable<AgentEvent>, when: (e: AgentEvent) => boolean) {
  const controller = new AbortController();
  const all: AgentEvent[] = [];
  for await (const event of events(controller.signal)) {
    all.push(event);
    if (when(event)) controller.abort();
  }
  return all;
}

function callsInFlight(): number {
  return fixture.manager.stats().servers.reduce((sum, server) => sum + server.callsInFlight, 0);
}

describe("cancelling a turn", () => {
  it("during the model's stream closes the stream and keeps only the question", async () => {
    const memory = new InMemoryConversationStore();
    const agent = createAgent({ sessionId: "s1", owner: "alice", tools: fixture.manager, llm: fixture.settings, memory });
    fixture.llm.script([{ hold: ["Let me think"] }]);
    const streamClosed = fixture.llm.heldStreamClosed(0);

    const events = await collectAndAbortWhen(
      (signal) => agent.ask("c1", "A long answer, please", { signal }),
      (e) => e.type === "delta",
    );

    expect(events).toEqual([
      { type: "delta", chatId: "c1", text: "Let me think" },
      { type: "error", chatId: "c1", code: "cancelled", message: "The turn was cancelled" },
    ]);
    await streamClosed; // the model endpoint saw the client go away
    expect(await memory.load("alice", "c1")).toEqual([{ role: "user", content: "A long answer, please" }]);

    fixture.llm.script([{ text: "Here it is." }]);
    const next = await collect(agent.ask("c1", "Try again"));
    expect(lastEvent(next)).toEqual({ type: "answer", chatId: "c1", text: "Here it is." });
    expect(fixture.llm.requests.at(-1)!.messages.slice(1)).toEqual([
      { role: "user", content: "A long answer, please" },
      { role: "user", content: "Try again" },
    ]);
  });

  it("during a tool call cancels the call in the pool and stores the call with its cancelled result", async () => {
    const memory = new InMemoryConversationStore();
    const agent = createAgent({ sessionId: "s2", owner: "bob", tools: fixture.manager, llm: fixture.settings, memory });
    fixture.llm.script([{ toolCalls: [slowCall] }]);
    const started = new Promise<void>((resolve) => fixture.manager.on("callStart", () => resolve()));
    const ended = new Promise<string>((resolve) => fixture.manager.on("callEnd", (e) => resolve(e.outcome)));

    const controller = new AbortController();
    void started.then(() => controller.abort());
    const events = await collect(agent.ask("c1", "Run the slow tool", { signal: controller.signal }));

    expect(events.slice(-2)).toEqual([
      {
        type: "toolResult",
        chatId: "c1",
        callId: "call_slow",
        name: slowCall.name,
        ok: false,
        content: "Cancelled before the tool finished.",
      },
      { type: "error", chatId: "c1", code: "cancelled", message: "The turn was cancelled" },
    ]);
    expect(await ended).toBe("call_cancelled");
    expect(callsInFlight()).toBe(0);
    expect(await memory.load("bob", "c1")).toEqual([
      { role: "user", content: "Run the slow tool" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "call_slow", type: "function", function: { name: slowCall.name, arguments: slowCall.arguments } }],
      },
      { role: "tool", tool_call_id: "call_slow", content: "Error: Cancelled before the tool finished." },
    ]);
  });

  it("by no longer reading the events stops the tool calls in flight", async () => {
    const memory = new InMemoryConversationStore();
    const agent = createAgent({ sessionId: "s3", owner: "carol", tools: fixture.manager, llm: fixture.settings, memory });
    fixture.llm.script([{ toolCalls: [slowCall] }]);
    const started = new Promise<void>((resolve) => fixture.manager.on("callStart", () => resolve()));
    const ended = new Promise<string>((resolve) => fixture.manager.on("callEnd", (e) => resolve(e.outcome)));

    for await (const event of agent.ask("c1", "Run the slow tool")) {
      if (event.type === "toolCall") {
        await started;
        break; // as a server does when the client's socket closes
      }
    }

    expect(await ended).toBe("call_cancelled");
    expect(await memory.load("carol", "c1")).toEqual([{ role: "user", content: "Run the slow tool" }]);
  });

  it("before it starts ends it at once with `cancelled`", async () => {
    const agent = createAgent({ sessionId: "s4", owner: "dave", tools: fixture.manager, llm: fixture.settings });
    const requestsBefore = fixture.llm.requests.length;
    const events = await collect(agent.ask("c1", "hello", { signal: AbortSignal.abort() }));
    expect(events).toEqual([{ type: "error", chatId: "c1", code: "cancelled", message: "The turn was cancelled" }]);
    expect(fixture.llm.requests.length).toBe(requestsBefore);
  });
});

// A tool that reports progress (MCP notifications/progress) shows it while it runs: `toolProgress` events
// between its `toolCall` and its `toolResult`, growing, with the server's total, in a model's turn and in the
// console. server-everything's trigger-long-running-operation (a real server from npm) reports a step every
// 400 ms; the lab server floods a thousand updates a second, of which the user gets a few a second.
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { PooledMCPServerManager } from "mcp-pool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentEvent, createAgent, PROGRESS_INTERVAL_MS, type ToolProgressEvent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { everythingServer } from "./support/everything.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();
const LONG_RUNNING = "everything__trigger-long-running-operation";

/** The call's progress events; each comes after its toolCall and before its toolResult. */
function progressOf(events: AgentEvent[], callId: string): ToolProgressEvent[] {
  const called = events.findIndex((e) => e.type === "toolCall" && e.callId === callId);
  const resulted = events.findIndex((e) => e.type === "toolResult" && e.callId === callId);
  expect(called).toBeGreaterThanOrEqual(0);
  expect(resulted).toBeGreaterThan(called);
  const progress = events.filter((e): e is ToolProgressEvent => e.type === "toolProgress" && e.callId === callId);
  for (const event of progress) {
    const at = events.indexOf(event);
    expect(at).toBeGreaterThan(called);
    expect(at).toBeLessThan(resulted);
  }
  const values = progress.map((e) => e.progress);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  expect(new Set(values).size).toBe(values.length);
  return progress;
}

describe("a tool that reports its progress", () => {
  it("shows it in a model's turn, between the call and its result", async () => {
    const agent = createAgent({ sessionId: "s1", owner: "alice", tools: fixture.manager, llm: fixture.settings });
    fixture.llm.script([
      { toolCalls: [{ id: "call_long", name: LONG_RUNNING, arguments: '{"duration": 2, "steps": 5}' }] },
      { text: "Done." },
    ]);

    const events = await collect(agent.ask("c1", "Run the long operation"));

    expect(lastEvent(events)).toEqual({ type: "answer", chatId: "c1", text: "Done." });
    const progress = progressOf(events, "call_long");
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const event of progress) {
      expect(event).toEqual({
        type: "toolProgress",
        chatId: "c1",
        callId: "call_long",
        name: LONG_RUNNING,
        progress: event.progress,
        total: 5,
      });
      expect(event.progress).toBeGreaterThanOrEqual(1);
      expect(event.progress).toBeLessThanOrEqual(5);
    }
    // The model hears the result alone, not the progress.
    const toolMessages = fixture.llm.requests.at(-1)?.messages.filter((m) => m.role === "tool");
    expect(toolMessages).toEqual([
      { role: "tool", tool_call_id: "call_long", content: expect.stringMatching(/^Long running operation completed/) },
    ]);
  });

  it("shows it in the console's /call", async () => {
    const agent = createAgent({ sessionId: "s2", owner: "bob", tools: fixture.manager, llm: null });

    const events = await collect(agent.ask("c1", `/call ${LONG_RUNNING} {"duration": 2, "steps": 5}`));

    expect(lastEvent(events)).toMatchObject({ type: "answer", text: expect.stringMatching(/^Long running operation completed/) });
    const callId = events[0]?.type === "toolCall" ? events[0].callId : "";
    expect(progressOf(events, callId).length).toBeGreaterThanOrEqual(2);
  });
});

describe("a tool that floods progress updates", () => {
  let manager: PooledMCPServerManager;
  beforeAll(() => {
    manager = new PooledMCPServerManager({ mcpServers: { lab: labStdioEntry(), everything: everythingServer } });
  });
  afterAll(async () => {
    await manager.close();
  });

  it("reaches the user a few times a second, the newest each time, with the server's message", async () => {
    const agent = createAgent({ sessionId: "s3", owner: "carol", tools: manager, llm: null });
    const startedAt = Date.now();

    const events = await collect(agent.ask("c1", '/call lab__progress {"steps": 1500, "intervalMs": 0}'));

    const elapsedMs = Date.now() - startedAt;
    expect(lastEvent(events)).toMatchObject({ type: "answer", text: "done:1500" });
    const callId = events[0]?.type === "toolCall" ? events[0].callId : "";
    const progress = progressOf(events, callId);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    // One batch at once, then one every PROGRESS_INTERVAL_MS at most.
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / PROGRESS_INTERVAL_MS) + 1);
    for (const event of progress) expect(event).toMatchObject({ total: 1500, message: `step ${event.progress}` });
    // The newest update each time, not the next in line: the steps in between are skipped.
    for (const [i, event] of progress.slice(1).entries()) expect(event.progress - progress[i]!.progress).toBeGreaterThan(1);
    // The other server's calls meanwhile were not held up: the same manager answers at once.
    expect((await manager.callTool("everything__echo", { message: "still here" })).content).toEqual([
      { type: "text", text: "Echo: still here" },
    ]);
  });
});

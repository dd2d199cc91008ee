import { afterAll, beforeAll, expect, it } from "vitest";
import type { PooledMCPServerManager } from "mcp-pool";
import { createAgent, InMemoryConversationStore } from "../src/index.js";
import { startFakeLlm, type FakeLlm } from "./fake-llm/fake-llm-server.js";
import { collect, lastEvent } from "./support/collect.js";
import { everythingManager } from "./support/everything.js";

let manager: PooledMCPServerManager;
let llm: FakeLlm;

beforeAll(async () => {
  manager = everythingManager();
  llm = await startFakeLlm();
});

afterAll(async () => {
  await manager.close();
  await llm.close();
});

it("stops a model that keeps calling tools after maxSteps, with llm_failed, and keeps every call with its result", async () => {
  const memory = new InMemoryConversationStore();
  const agent = createAgent({
    sessionId: "s1",
    owner: "alice",
    tools: manager,
    memory,
    maxSteps: 3,
    llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 },
  });
  llm.script(() => ({ toolCalls: [{ name: "everything__echo", arguments: '{"message": "again"}' }] }));

  const events = await collect(agent.ask("c1", "Loop forever"));

  expect(llm.requests).toHaveLength(3);
  expect(events.filter((e) => e.type === "tool_result")).toHaveLength(3);
  expect(lastEvent(events)).toEqual({
    type: "error",
    chat_id: "c1",
    code: "llm_failed",
    message: "The model was still calling tools after 3 steps (maxSteps); the turn was stopped.",
  });
  expect((await memory.load("alice", "c1")).map((m) => m.role)).toEqual([
    "user",
    ...["assistant", "tool", "assistant", "tool", "assistant", "tool"],
  ]);
});

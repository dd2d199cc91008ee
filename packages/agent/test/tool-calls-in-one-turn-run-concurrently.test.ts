import { afterAll, beforeAll, expect, it } from "vitest";
import type { PooledMCPServerManager } from "mcp-pool";
import { createAgent } from "../src/index.js";
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

it("runs the tool calls of one model step at the same time", async () => {
  const agent = createAgent({
    sessionId: "s1",
    owner: "alice",
    tools: manager,
    llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 },
  });
  const longCall = (id: string) => ({
    id,
    name: "everything__trigger-long-running-operation",
    arguments: JSON.stringify({ duration: 1.5, steps: 1 }),
  });
  llm.script([{ toolCalls: [longCall("call_1"), longCall("call_2")] }, { text: "Both done." }]);
  const timeline: string[] = [];
  manager.on("callStart", () => timeline.push("start"));
  manager.on("callEnd", () => timeline.push("end"));

  const events = await collect(agent.ask("c1", "Run two long operations"));

  // Run one after the other, the first would end before the second started.
  expect(timeline).toEqual(["start", "start", "end", "end"]);
  expect(events.filter((e) => e.type === "tool_result").map((e) => e.type === "tool_result" && e.ok)).toEqual([true, true]);
  expect(lastEvent(events)).toEqual({ type: "answer", chat_id: "c1", text: "Both done." });
});

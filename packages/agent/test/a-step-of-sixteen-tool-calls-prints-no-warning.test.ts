// A model step that calls 16 tools at once: every call runs and is answered, and Node prints no warning (one
// abort listener per call on the turn's signal made MaxListenersExceededWarning from 9 parallel calls on).
import { watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { expect, it } from "vitest";
import { createAgent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();
const warnings = watchWarnings();

it("runs all 16 calls of one step with no MaxListenersExceededWarning", async () => {
  const agent = createAgent({ sessionId: "s1", owner: "alice", tools: fixture.manager, llm: fixture.settings });
  const calls = Array.from({ length: 16 }, (_, i) => ({
    id: `call_${i}`,
    name: "everything__echo",
    arguments: JSON.stringify({ message: `m${i}` }),
  }));
  fixture.llm.script([{ toolCalls: calls }, { text: "All sixteen done." }]);

  const events = await collect(agent.ask("c1", "Echo sixteen things"));

  const results = events.flatMap((event) => (event.type === "toolResult" ? [event] : []));
  expect(results.map((result) => result.ok)).toEqual(Array.from({ length: 16 }, () => true));
  expect(results.map((result) => result.content).sort()).toEqual(calls.map((_, i) => `Echo: m${i}`).sort());
  expect(lastEvent(events)).toEqual({ type: "answer", chatId: "c1", text: "All sixteen done." });
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve));
  expect(warnings).toEqual([]);
});

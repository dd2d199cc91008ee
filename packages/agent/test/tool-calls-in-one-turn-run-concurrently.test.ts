import { expect, it } from "vitest";
import { createAgent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { useToolsAndFakeLlm } from "./support/tools-and-fake-llm.js";

const fixture = useToolsAndFakeLlm();

it("runs the tool calls of one model step at the same time", async () => {
  const agent = createAgent({
    sessionId: "s1",
    owner: "alice",
    tools: fixture.manager,
    llm: fixture.settings,
  });
  const longCall = (id: string) => ({
    id,
    name: "everything__trigger-long-running-operation",
    arguments: JSON.stringify({ duration: 1.5, steps: 1 }),
  });
  fixture.llm.script([{ toolCalls: [longCall("call_1"), longCall("call_2")] }, { text: "Both done." }]);
  const timeline: string[] = [];
  fixture.manager.on("callStart", () => timeline.push("start"));
  fixture.manager.on("callEnd", () => timeline.push("end"));

  const events = await collect(agent.ask("c1", "Run two long operations"));

  // Run one after the other, the first would end before the second started.
  expect(timeline).toEqual(["start", "start", "end", "end"]);
  expect(events.filter((e) => e.type === "toolResult").map((e) => e.type === "toolResult" && e.ok)).toEqual([true, true]);
  expect(lastEvent(events)).toEqual({ type: "answer", chatId: "c1", text: "Both done." });
});

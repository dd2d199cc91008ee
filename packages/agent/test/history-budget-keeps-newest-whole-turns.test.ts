import { describe, expect, it } from "vitest";
import { fitHistory, type ChatMessage } from "../src/index.js";

const user = (content: string): ChatMessage => ({ role: "user", content });
const answer = (content: string): ChatMessage => ({ role: "assistant", content });
const toolTurn = (id: string, result: string): ChatMessage[] => [
  { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "everything__echo", arguments: "{}" } }] },
  { role: "tool", tool_call_id: id, content: result },
];

describe("the history budget", () => {
  it("keeps everything when it fits", () => {
    const history = [user("hi"), answer("hello"), user("again"), answer("yes")];
    expect(fitHistory(history, 1000)).toEqual(history);
  });

  it("drops the oldest turns first and keeps the newest", () => {
    const history = [user("a".repeat(100)), answer("b".repeat(100)), user("c".repeat(100)), answer("d".repeat(100)), user("newest")];
    expect(fitHistory(history, 250)).toEqual([user("c".repeat(100)), answer("d".repeat(100)), user("newest")]);
  });

  it("never separates an assistant message with tool calls from its results", () => {
    const history = [user("old"), ...toolTurn("call_1", "x".repeat(500)), answer("done"), user("new"), ...toolTurn("call_2", "small")];
    const kept = fitHistory(history, 300);
    expect(kept).toEqual([user("new"), ...toolTurn("call_2", "small")]);
    // Whatever is cut, every kept tool result still follows its call.
    for (const [i, message] of kept.entries()) {
      if (message.role === "tool") {
        const caller = kept
          .slice(0, i)
          .reverse()
          .find((m) => m.role === "assistant" && m.tool_calls);
        expect(caller?.role === "assistant" && caller.tool_calls?.some((c) => c.id === message.tool_call_id)).toBe(true);
      }
    }
  });

  it("keeps the newest turn whole even when it alone is over the budget", () => {
    const history = [user("old"), answer("old answer"), user("question"), ...toolTurn("call_9", "y".repeat(5000))];
    expect(fitHistory(history, 100)).toEqual([user("question"), ...toolTurn("call_9", "y".repeat(5000))]);
  });

  it("drops messages left before the first question by a store that cut the conversation", () => {
    const history = [{ role: "tool", tool_call_id: "call_0", content: "orphan" } as ChatMessage, answer("half"), user("q"), answer("a")];
    expect(fitHistory(history, 1000)).toEqual([user("q"), answer("a")]);
  });
});

// When a per-session MCP server had to start afresh for the agent's session (its client idled out or died),
// the model and the user read it in the tool's result: a sentence before the output, so the model does not
// build on state that is gone.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PooledMCPServerManager, ToolCallError } from "mcp-pool";
import { createAgent, type ToolResultEvent } from "../src/index.js";
import { toolErrorText } from "../src/tool-output.js";
import { startFakeLlm, type FakeLlm } from "@mcp-pool/test-support/fake-llm";
import { collect } from "./support/collect.js";
import { everythingServer } from "./support/everything.js";

let manager: PooledMCPServerManager;
let llm: FakeLlm;

beforeAll(async () => {
  manager = new PooledMCPServerManager({
    mcpServers: { everything: { ...everythingServer, sharing: "per-session", pool: { idleTimeoutMs: 300 } } },
  });
  llm = await startFakeLlm();
});

afterAll(async () => {
  await manager.close();
  await llm.close();
});

const RESTARTED = '[MCP server "everything" was restarted for this session (it had been idle too long): ';

describe("a per-session MCP server restarted for the agent's session", () => {
  it("is told to the model and the user in the next tool result", async () => {
    const agent = createAgent({
      sessionId: "s1",
      owner: "alice",
      tools: manager,
      llm: { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 },
    });
    const echoTurn = async (message: string) => {
      llm.script([
        { toolCalls: [{ id: `call_${message}`, name: "everything__echo", arguments: JSON.stringify({ message }) }] },
        { text: "done" },
      ]);
      const events = await collect(agent.ask("c1", `echo ${message}`));
      const result = events.find((event): event is ToolResultEvent => event.type === "toolResult");
      const toolMessage = llm.requests.at(-1)!.messages.at(-1)!;
      return { shown: result?.content, modelRead: toolMessage.content };
    };

    expect(await echoTurn("one")).toEqual({ shown: "Echo: one", modelRead: "Echo: one" });
    // The client that ran "one" idles out (300 ms).
    await vi.waitFor(() => expect(manager.stats().servers[0]!.sessionClients).toBe(0), { timeout: 10_000, interval: 20 });
    const after = await echoTurn("two");
    expect(after.shown).toBe(
      `${RESTARTED}whatever it kept from earlier calls, such as open pages, stored data or history, is gone.]\nEcho: two`,
    );
    expect(after.modelRead).toBe(after.shown);
  });

  it("leads a tool's error too, when the first answer from the new server is one", () => {
    const error = ToolCallError.fromResult("click", [{ type: "text", text: "No element with ref e12" }], {
      server: "browser",
      sessionReset: "connection lost",
    });
    expect(toolErrorText(error)).toBe(
      '[MCP server "browser" was restarted for this session (its previous connection was lost): whatever it kept from ' +
        "earlier calls, such as open pages, stored data or history, is gone.]\nNo element with ref e12",
    );
  });
});

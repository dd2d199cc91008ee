import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PooledMCPServerManager } from "mcp-pool";
import { createAgent, InMemoryConversationStore, type Agent, type AgentEvent } from "../src/index.js";
import { collect, lastEvent } from "./support/collect.js";
import { everythingServer, missingServer } from "./support/everything.js";

let manager: PooledMCPServerManager;
let memory: InMemoryConversationStore;
let agent: Agent;
/** What the deployment says about configuring a model (the server passes its own environment variables). */
const HINT = "To chat with a model, set MODEL_URL.";

beforeAll(() => {
  manager = new PooledMCPServerManager({
    mcpServers: {
      everything: everythingServer,
      // A server that cannot start: the console must still list the others.
      broken: missingServer,
    },
  });
  memory = new InMemoryConversationStore();
  agent = createAgent({ sessionId: "s1", owner: "alice", tools: manager, llm: null, memory, consoleHint: HINT });
});

afterAll(async () => {
  await manager.close();
});

async function answerTo(input: string, on: Agent = agent): Promise<string> {
  const end = lastEvent(await collect(on.ask("c1", input)));
  if (end.type !== "answer") throw new Error(`expected an answer, got ${JSON.stringify(end)}`);
  return end.text;
}

async function errorFor(input: string, on: Agent = agent): Promise<AgentEvent[]> {
  const events = await collect(on.ask("c1", input));
  expect(lastEvent(events).type).toBe("error");
  return events;
}

describe("the tool console (no model configured)", () => {
  it("/tools lists each tool by server with its parameters and description, the servers that are down, and an example", async () => {
    const text = await answerTo("/tools");
    expect(text).toMatch(/^13 tools on 1 server:\n\neverything \(13 tools\)\n/);
    expect(text).toContain("\n  everything__echo(message: string)\n      Echoes back the input string");
    expect(text).toContain("everything__trigger-long-running-operation(duration?: number, steps?: number)");
    expect(text).toMatch(/Not available now:\n {4}broken: /);
    expect(text).toContain('/call everything__echo {"message":"hello"}');
  });

  it("/tools <text> describes the one tool that matches", async () => {
    const text = await answerTo("/tools get-sum");
    expect(text).toContain("Parameters:\n    a: number - First number\n    b: number - Second number");
    expect(text).toContain('/call everything__get-sum {"a":1,"b":1}');
  });

  it("/call runs a tool: tool_call, tool_result, then the result as the answer", async () => {
    const events = await collect(agent.ask("c1", '/call everything__echo {"message": "hi there"}'));
    const callId = events[0]?.type === "toolCall" ? events[0].callId : "";
    expect(events).toEqual([
      { type: "toolCall", chatId: "c1", callId: callId, name: "everything__echo", arguments: { message: "hi there" } },
      { type: "toolResult", chatId: "c1", callId: callId, name: "everything__echo", ok: true, content: "Echo: hi there" },
      { type: "answer", chatId: "c1", text: "Echo: hi there" },
    ]);
  });

  it("/call takes a tool's short name when only one server has it", async () => {
    expect(await answerTo('/call echo {"message": "short"}')).toBe("Echo: short");
  });

  it("/call with bad JSON is a bad_request that shows a correct call, and calls nothing", async () => {
    const events = await errorFor('/call everything__echo {"message": ');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/^Invalid JSON arguments: .*Example: \/call everything__echo \{"message":"hello"\}$/),
    });
  });

  it("/call without the arguments a tool needs is a bad_request with an example", async () => {
    const [event] = await errorFor("/call everything__get-sum");
    expect(event).toMatchObject({
      code: "bad_request",
      message: expect.stringContaining('Example: /call everything__get-sum {"a":1,"b":1}'),
    });
  });

  it("/call of an unknown tool is a bad_request that suggests close names", async () => {
    const [event] = await errorFor("/call sum {}");
    expect(event).toEqual({
      type: "error",
      chatId: "c1",
      code: "bad_request",
      message: 'Unknown tool "sum". Did you mean everything__get-sum? Type /tools to list the tools.',
    });
  });

  it("/call of a tool on a server that is down says so, with the pool's code server_unavailable (not bad_request)", async () => {
    const events = await errorFor("/call broken__anything {}");
    expect(events.map((e) => e.type)).toEqual(["toolCall", "toolResult", "error"]);
    expect(events[1]).toMatchObject({ ok: false, content: expect.stringContaining('MCP server "broken"') });
    expect(events[2]).toMatchObject({ code: "server_unavailable", message: expect.stringContaining('MCP server "broken"') });
  });

  it("/call with arguments nested 5,000 levels deep is a bad_request, and calls nothing", async () => {
    const deep = `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`;
    const events = await errorFor(`/call everything__echo ${deep}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ code: "bad_request", message: expect.stringContaining("nested more than 64 levels deep") });
  });

  it("/call of a tool that fails shows the tool's error, then ends with tool_failed", async () => {
    const events = await errorFor('/call everything__get-sum {"a": "one", "b": 2}');
    expect(events.map((e) => e.type)).toEqual(["toolCall", "toolResult", "error"]);
    expect(events[1]).toMatchObject({ ok: false, content: expect.stringContaining("expected number") });
    expect(events[2]).toMatchObject({ code: "tool_failed", message: expect.stringContaining("expected number") });
  });

  it("/help lists the commands and the deployment's hint on configuring a model", async () => {
    const text = await answerTo("/help");
    for (const part of ["/tools", "/call <tool> <json>", "/help", HINT]) {
      expect(text).toContain(part);
    }
  });

  it("plain text is answered with the deployment's hint on configuring a model, and without a hint says no more", async () => {
    const text = await answerTo("What is the weather?");
    expect(text).toMatch(/^No language model is configured/);
    expect(text).toContain(HINT);
    const bare = createAgent({ sessionId: "s9", owner: "alice", tools: manager, llm: null });
    expect(await answerTo("What is the weather?", bare)).toBe(
      "No language model is configured, so I can only run tools for you. Type /help for the commands.",
    );
  });

  it("an unknown command is a bad_request naming the commands", async () => {
    const [event] = await errorFor("/frobnicate");
    expect(event).toMatchObject({
      code: "bad_request",
      message: 'Unknown command "/frobnicate". The commands are /tools, /call and /help.',
    });
  });

  it("an empty question or chat id is a bad_request", async () => {
    expect(await collect(agent.ask("c1", "   "))).toEqual([
      { type: "error", chatId: "c1", code: "bad_request", message: "The question is empty" },
    ]);
    expect(await collect(agent.ask("", "/help"))).toEqual([
      { type: "error", code: "bad_request", message: "chatId must be a non-empty string" },
    ]);
  });

  it("keeps console turns out of the conversation memory", async () => {
    expect(await memory.load("alice", "c1")).toEqual([]);
  });

  it("sees only the tools its filter allows", async () => {
    const filtered = createAgent({ sessionId: "s2", owner: "bob", tools: manager, toolFilter: { deny: ["everything__echo"] } });
    expect(await answerTo("/tools", filtered)).not.toContain("everything__echo(");
    const [event] = await errorFor('/call everything__echo {"message": "x"}', filtered);
    expect(event).toMatchObject({ code: "bad_request", message: expect.stringMatching(/^Unknown tool "everything__echo"/) });
  });
});

// A model turn (list the tools, ask the model, call a healthy server's tool, answer) beside an MCP server whose
// start hangs takes about as long as the same turn in a pool without that server (interleaved, same run),
// across its connect timeouts and circuit probes. The model is offered the healthy server's tools only, and is
// told nothing about the other; no child is left, no warning printed.
import { faultEntry, answeredAsFast, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { startFakeLlm, type FakeLlm, type RecordedRequest } from "@mcp-pool/test-support/fake-llm";
import { descendantPids } from "@mcp-pool/test-support/processes";
import { PooledMCPServerManager, type McpServersJson } from "mcp-pool";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { createAgent, type Agent } from "../../src/index.js";
import { collect, lastEvent } from "../support/collect.js";

const warnings = watchWarnings();
const CONNECT_TIMEOUT_MS = 1_500;
const RUN_MS = 6_000;
const ended: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(ended.splice(0).map((end) => end()));
});

/** Calls ok__echo, then answers with what the tool said. */
function echoThenAnswer(request: RecordedRequest) {
  const last = request.messages.at(-1);
  if (last?.role === "tool") return { text: `The tool said ${last.content}` };
  return { toolCalls: [{ name: "ok__echo", arguments: JSON.stringify({ text: "hi" }) }] };
}

function managerOf(mcpServers: McpServersJson["mcpServers"]) {
  const manager = new PooledMCPServerManager({ mcpServers });
  ended.push(() => manager.close({ graceMs: 0 }));
  return manager;
}

async function turn(agent: Agent, llm: FakeLlm): Promise<void> {
  const before = llm.requests.length;
  const events = await collect(agent.ask("c1", "Echo hi"));
  expect(lastEvent(events)).toEqual({ type: "answer", chatId: "c1", text: "The tool said echo:hi" });
  const offered = llm.requests[before]?.tools?.map((tool) => tool.function.name) ?? [];
  expect(offered).toContain("ok__echo");
  expect(offered.some((name) => name.startsWith("hung__"))).toBe(false);
}

it("a turn beside a server hanging at initialize is as fast as without it, across its connect timeouts", async () => {
  const llm = await startFakeLlm();
  ended.push(() => llm.close());
  llm.script(echoThenAnswer);
  const settings = { apiKey: "test", baseURL: llm.baseURL, model: "fake-model", maxRetries: 0 };
  const without = managerOf({ ok: faultEntry() });
  const faulty = managerOf({
    ok: faultEntry(),
    hung: faultEntry(["--hang-at-initialize"], {
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      circuit: { failureThreshold: 1, baseBackoffMs: 300, maxBackoffMs: 600 },
    }),
  });
  const agentWithout = createAgent({ sessionId: "s1", owner: "alice", tools: without, llm: settings });
  const agentBeside = createAgent({ sessionId: "s2", owner: "bob", tools: faulty, llm: settings });
  // The first turn waits for the servers' first loads (a bounded time); the rounds time the steady state.
  await turn(agentWithout, llm);
  await turn(agentBeside, llm);

  const baseline: number[] = [];
  const during: number[] = [];
  const until = Date.now() + RUN_MS;
  while (Date.now() < until) {
    baseline.push(await timed(() => turn(agentWithout, llm)));
    during.push(await timed(() => turn(agentBeside, llm)));
    await sleep(50);
  }

  answeredAsFast(baseline, during);
  expect(Math.max(...during)).toBeLessThan(CONNECT_TIMEOUT_MS);
  // The hung server was tried meanwhile: its circuit opened on timed-out connects.
  expect(faulty.stats().servers.find((server) => server.server === "hung")?.circuit).not.toBe("closed");
  await Promise.all(ended.splice(0).map((end) => end()));
  expect(descendantPids()).toEqual([]);
  expect(warnings).toEqual([]);
});

/**
 * The size of an idle agent: heap growth for `count` createAgent() objects
 * made as the server makes them (one shared manager, one shared store, the
 * model settings), measured after full GCs. Run with --expose-gc; prints JSON.
 */

import { createAgent, InMemoryConversationStore } from "@mcp-pool/agent";
import { PooledMCPServerManager } from "mcp-pool";
import { EVERYTHING_MAIN } from "../lib/everything-server.mjs";

const count = Number(process.argv[2] ?? 10_000);

function settledHeap() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

// The manager opens no connection until a call needs one: nothing starts here.
const manager = new PooledMCPServerManager({ mcpServers: { everything: { command: process.execPath, args: [EVERYTHING_MAIN, "stdio"] } } });
const memory = new InMemoryConversationStore();
const llm = { apiKey: "bench", baseURL: "http://127.0.0.1:9/v1", model: "bench-model" };

function measure(withLlm) {
  const agents = [];
  const before = settledHeap();
  for (let i = 0; i < count; i++) {
    agents.push(createAgent({ sessionId: `s-${withLlm}-${i}`, owner: `user-${i}`, tools: manager, llm: withLlm ? llm : null, memory }));
  }
  const after = settledHeap();
  // The agents must still be reachable when the heap is read.
  if (agents.length !== count) throw new Error("agents lost");
  // The array's own slots (8 bytes each) are not part of an agent.
  return Math.round((after - before - agents.length * 8) / count);
}

const result = { agents: count, bytesPerAgentConsole: measure(false), bytesPerAgentLlm: measure(true) };
await manager.close();
process.stdout.write(`${JSON.stringify(result)}\n`);

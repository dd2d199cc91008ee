/**
 * The pool's own path alone, with no child and no pipe: a manager whose
 * connection factory (the public `connectionFactory` option) makes clients
 * that answer a tool call on the next event-loop turn, against calling such a
 * client directly. What the pool adds per call (slot, catalog lookup, call
 * control, events and counters, the result's shape) is the difference; the
 * variants are interleaved (each goes first in turn) and the result is the
 * median over rounds. Useful to see a change to the pool's bookkeeping that
 * the machine's noise would hide in the stdio table.
 */

import { PooledMCPServerManager } from "mcp-pool";
import { median, rotated, round3 } from "../lib/numbers.mjs";

const TOOLS = { tools: [{ name: "echo", inputSchema: { type: "object" }, annotations: { readOnlyHint: true } }] };
const CALLS = 50_000;

/** A stand-in for the SDK Client: answers tools/list and tools/call on the next turn (setImmediate). */
export function stubClient() {
  return {
    request: ({ method }) =>
      new Promise((resolve) => setImmediate(resolve, method === "tools/list" ? TOOLS : { content: [{ type: "text", text: "echo:x" }] })),
    ping: () => Promise.resolve({}),
    close: () => Promise.resolve(),
  };
}

let nextId = 1;
/** A ManagerOptions.connectionFactory whose connections carry a stubClient(). */
export const connectionFactory = () => ({ id: nextId++, client: stubClient(), connect: async () => {}, close: async () => {} });

/** µs per call of `call` with `inFlight` callers, CALLS calls in all. */
export async function usPerCall(call, inFlight) {
  const started = performance.now();
  const worker = async () => {
    for (let i = 0; i < CALLS / inFlight; i += 1) await call();
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return ((performance.now() - started) * 1000) / CALLS;
}

export async function runPoolPath({ rounds }) {
  const rows = [];
  for (const inFlight of [1, 8]) {
    const manager = new PooledMCPServerManager(
      { mcpServers: { stub: { command: "stub", pool: { maxConnections: 1, maxCallsPerConnection: 8 } } } },
      { connectionFactory },
    );
    const direct = stubClient();
    const variants = {
      direct: () => direct.request({ method: "tools/call", params: { name: "echo", arguments: { text: "x" } } }),
      pool: () => manager.callTool("stub__echo", { text: "x" }),
    };
    try {
      for (const call of Object.values(variants)) await usPerCall(call, inFlight); // warm-up
      const added = [];
      for (let round = 0; round < rounds; round++) {
        const us = {};
        for (const name of rotated(Object.keys(variants), round)) us[name] = await usPerCall(variants[name], inFlight);
        added.push(us.pool - us.direct);
      }
      rows.push({ inFlight, addedUs: round3(median(added)) });
    } finally {
      await manager.close();
    }
  }
  return { rounds, calls: CALLS, rows };
}

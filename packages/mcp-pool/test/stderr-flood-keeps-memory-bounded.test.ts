// A child that writes its stderr without newlines (a progress bar, a binary dump) costs the pool a bounded
// line buffer: 50 MiB of it leave this process's memory where it was, other calls are answered meanwhile,
// and the last lines are still there for the error that says why a server stopped.
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { PooledMCPServerManager, ServerUnavailableError } from "../src/index.js";
import { CUT_MARK, MAX_LINE_BYTES } from "../src/stderr-tail.js";
import { labStdioEntry } from "@mcp-pool/test-support/fixture-servers";
import { rejectionOf, textOf } from "./helpers/manager.js";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";

const floodServerPath = fileURLToPath(new URL("./fixtures/stderr-flood-server.mjs", import.meta.url));
const MIB = 1024 * 1024;

const managers: PooledMCPServerManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close({ graceMs: 0 })));
});

function track(manager: PooledMCPServerManager): PooledMCPServerManager {
  managers.push(manager);
  return manager;
}

/** A manager of the flood server alone (so that it floods only once asked), and the stderr lines it passed on. */
function floodManager(megabytes: number, extraArgs: string[] = []) {
  const lines: string[] = [];
  const args = [floodServerPath, "--megabytes", String(megabytes), ...extraArgs];
  const manager = track(
    new PooledMCPServerManager({ mcpServers: { flood: { command: process.execPath, args } } }, { stderr: (_, line) => lines.push(line) }),
  );
  return { manager, lines };
}

// A full collection before each sample: what is measured is what this process holds on to, not garbage.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/**
 * The JS heap this process holds on to, where a line buffer keeps what it has read. (Buffers outside the heap
 * are left out: the memory of the ones a collection freed is given back by a background sweeper, so right
 * after one they still count, and the pipe's backpressure bounds the ones alive anyway.)
 */
function memoryInUse(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function echoLatency(manager: PooledMCPServerManager, tool: string): Promise<number> {
  const startedAt = performance.now();
  expect(textOf(await manager.callTool(tool, { text: "x" }))).toBe("echo:x");
  return performance.now() - startedAt;
}

describe("a child flooding stderr without newlines", () => {
  it("leaves memory where it was while 50 MiB pass, and other calls are answered meanwhile", async () => {
    const other = track(new PooledMCPServerManager({ mcpServers: { lab: labStdioEntry() } }));
    await echoLatency(other, "lab__echo"); // connects
    const baselineLatencies: number[] = [];
    for (let i = 0; i < 20; i += 1) baselineLatencies.push(await echoLatency(other, "lab__echo"));
    const baselineMemory = memoryInUse();

    const { manager, lines } = floodManager(50);
    let peakMemory = baselineMemory;
    const sampler = setInterval(() => (peakMemory = Math.max(peakMemory, memoryInUse())), 250);
    const floodLatencies: number[] = [];
    try {
      await manager.callTool("flood__echo", { text: "x" }); // starts the server, which starts flooding
      while (!lines.some((line) => line.startsWith("flood done"))) {
        floodLatencies.push(await echoLatency(other, "lab__echo"));
        await echoLatency(manager, "flood__echo");
      }
    } finally {
      clearInterval(sampler);
    }

    // 50 MiB went through; this process held on to a small part of it at most (buffered whole, it holds it all).
    expect(peakMemory - baselineMemory).toBeLessThan((50 * MIB) / 10);
    // Another server's calls were answered about as fast as before the flood.
    expect(median(floodLatencies)).toBeLessThan(3 * Math.max(...baselineLatencies));
    // The line with no end was cut, once; the next line came through whole.
    expect(lines).toEqual([`${"x".repeat(MAX_LINE_BYTES)}${CUT_MARK}`, `flood done ${50 * MIB}`]);
  });

  it("keeps the last lines after the flood for the connect error of a server that then exits", async () => {
    const { manager } = floodManager(8, ["--exit-after"]);
    const error = await rejectionOf(manager.callTool("flood__echo", { text: "never" }));
    expect(error).toBeInstanceOf(ServerUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(`its stderr ended with:\n  ${"x".repeat(MAX_LINE_BYTES)}${CUT_MARK}\n  Error: gave up after ${8 * MIB} bytes`);
    expect(message.length).toBeLessThan(2 * MAX_LINE_BYTES);
    await waitFor(() => descendantPids().length === 0, { what: "the flood server to be gone" });
  });
});

// A child that writes its stderr without newlines (a progress bar, a binary dump) costs the pool a bounded line
// buffer: while 50 MiB of it pass, this process's heap grows by less than a tenth of that over what the same
// calls made it grow without the flood (buffered whole, it would hold it all), other users' calls are answered
// as fast as before, the one line with no end is cut once, the last lines stay for the error that says why a
// server stopped, no child is left and nothing prints a warning.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { answeredAsFast, faultEntry, timed, watchWarnings } from "@mcp-pool/test-support/fault-suite";
import { descendantPids, waitFor } from "@mcp-pool/test-support/processes";
import { describe, expect, it } from "vitest";
import { ServerUnavailableError, parseConfig } from "../../src/index.js";
import { CUT_MARK, MAX_LINE_BYTES } from "../../src/stderr-tail.js";
import { rejectionOf, textOf, useManagers } from "../helpers/manager.js";

const use = useManagers();
const warnings = watchWarnings();
const MIB = 1024 * 1024;
const FLOOD_MIB = 50;

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

/** The highest heap sampled (every 250 ms) while fn runs, over the heap before it. */
async function heapGrowthDuring(fn: () => Promise<void>): Promise<number> {
  const before = memoryInUse();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryInUse())), 250);
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, memoryInUse()) - before;
}

describe("a child flooding stderr without newlines", () => {
  it(`holds a small part of ${FLOOD_MIB} MiB at most, and other users' calls are answered as fast meanwhile`, async () => {
    const lines: string[] = [];
    const config = parseConfig({ mcpServers: { flood: faultEntry(["--stderr-flood", String(FLOOD_MIB)]), other: faultEntry() } });
    const manager = use.managerOf(config, { stderr: (server, line) => server === "flood" && lines.push(line) });
    const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" }).then(textOf);
    await otherEcho();
    const baseline: number[] = [];
    // The same calls, without the flood: what they cost the heap is not the flood's.
    const callsAlone = await heapGrowthDuring(async () => {
      for (let i = 0; i < 20; i += 1) baseline.push(await timed(otherEcho));
    });

    const during: number[] = [];
    const duringFlood = await heapGrowthDuring(async () => {
      await manager.callTool("flood__echo", { text: "x" }); // starts the server, which starts flooding
      while (!lines.some((line) => line.startsWith("flood done"))) {
        during.push(await timed(otherEcho));
        expect(textOf(await manager.callTool("flood__echo", { text: "y" }))).toBe("echo:y");
      }
    });

    expect(duringFlood - Math.max(0, callsAlone)).toBeLessThan((FLOOD_MIB * MIB) / 10);
    answeredAsFast(baseline, during);
    // The line with no end was cut, once; the next line came through whole.
    expect(lines).toEqual([`${"x".repeat(MAX_LINE_BYTES)}${CUT_MARK}`, `flood done ${FLOOD_MIB * MIB}`]);
    await manager.close();
    expect(descendantPids()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("keeps the last lines after the flood for the connect error of a server that then exits", async () => {
    const manager = use.manager({ flood: faultEntry(["--stderr-flood", "8", "--exit-after-flood"]) });
    const error = await rejectionOf(manager.callTool("flood__echo", { text: "never" }));
    expect(error).toBeInstanceOf(ServerUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(
      `its stderr ended with:\n  ${"x".repeat(MAX_LINE_BYTES)}${CUT_MARK}\n  Error: gave up after ${8 * MIB} bytes`,
    );
    expect(message.length).toBeLessThan(2 * MAX_LINE_BYTES);
    await waitFor(() => descendantPids().length === 0, { what: "the flood server to be gone" });
    expect(warnings).toEqual([]);
  });
});

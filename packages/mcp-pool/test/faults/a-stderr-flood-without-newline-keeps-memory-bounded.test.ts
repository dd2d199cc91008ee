// A child that writes its stderr without newlines (a progress bar, a binary dump) costs the pool a bounded line
// buffer: while 50 MiB of it pass, this process's heap grows by less than a tenth of that over what the same
// calls made it grow without the flood (buffered whole, it would hold it all), other users' calls are answered
// as fast as while a chatty server writes the same bytes in ordinary lines (the same CPU spent by a child and
// by this process's reading, so that a busy machine slows both alike), the one line with no end is cut once,
// the last lines stay for the error that says why a server stopped, no child is left and nothing prints a
// warning.
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
    const chatty = faultEntry(["--stderr-flood", String(FLOOD_MIB), "--stderr-line-bytes", String(MAX_LINE_BYTES)]);
    const flood = faultEntry(["--stderr-flood", String(FLOOD_MIB)]);
    const config = parseConfig({ mcpServers: { chatty, flood, other: faultEntry() } });
    // Every line of the flood (a cut one and its last), the chatty one's last line only (it writes 100,000).
    const keep = (server: string, line: string) => server === "flood" || (server === "chatty" && line.startsWith("flood done"));
    const manager = use.managerOf(config, { stderr: (server, line) => keep(server, line) && lines.push(`${server}: ${line}`) });
    const otherEcho = () => manager.callTool("other__echo", { text: "x" }, { sessionId: "another-user" }).then(textOf);
    await otherEcho();
    // The same calls, without a flood: what they cost the heap is not the flood's.
    const callsAlone = await heapGrowthDuring(async () => {
      for (let i = 0; i < 20; i += 1) await otherEcho();
    });
    /** Other users' call times while `server` writes its stderr, to its last line. */
    const callsWhileFlooding = async (server: string, times: number[]) => {
      expect(textOf(await manager.callTool(`${server}__echo`, { text: "x" }))).toBe("echo:x"); // starts it flooding
      while (!lines.includes(`${server}: flood done ${FLOOD_MIB * MIB}`)) {
        times.push(await timed(otherEcho));
        expect(textOf(await manager.callTool(`${server}__echo`, { text: "y" }))).toBe("echo:y");
      }
    };

    const baseline: number[] = [];
    await heapGrowthDuring(() => callsWhileFlooding("chatty", baseline));
    const during: number[] = [];
    const duringFlood = await heapGrowthDuring(() => callsWhileFlooding("flood", during));

    expect(duringFlood - Math.max(0, callsAlone)).toBeLessThan((FLOOD_MIB * MIB) / 10);
    answeredAsFast(baseline, during);
    // The line with no end was cut, once; the next line came through whole.
    expect(lines).toEqual([
      `chatty: flood done ${FLOOD_MIB * MIB}`,
      `flood: ${"x".repeat(MAX_LINE_BYTES)}${CUT_MARK}`,
      `flood: flood done ${FLOOD_MIB * MIB}`,
    ]);
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

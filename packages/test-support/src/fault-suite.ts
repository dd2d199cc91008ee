/**
 * What every test of the fault suite (packages/mcp-pool/test/faults/) checks besides its own point: other
 * users' calls were answered about as fast as before the fault, no child process is left, and no warning
 * was printed.
 *   faultEntry(flags, extra?)     an `mcpServers` entry for ../fixtures/fault-server.mjs with those flags
 *   const warnings = watchWarnings()   once per file: process warnings printed during each test (an array,
 *                                      emptied before each test)
 *   timed(fn)                     fn's duration in ms
 *   median(values)
 *   answeredAsFast(baseline, during, factor?)   asserts median(during) < factor (default 5) x the slowest baseline sample
 *   const starts = startCounter()  in a test: `starts.path` for a fault server's --pid-file, `starts()` how
 *                                  many processes were started with it (removed after the test)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, onTestFinished } from "vitest";
import type { StdioEntry } from "./fixture-servers.js";

export const faultServerPath = fileURLToPath(new URL("../fixtures/fault-server.mjs", import.meta.url));

export function faultEntry<E extends object>(flags: string[] = [], extra?: E): StdioEntry & E {
  return { command: process.execPath, args: [faultServerPath, ...flags], ...(extra as E) };
}

export function watchWarnings(): Error[] {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });
  return warnings;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  await fn();
  return performance.now() - startedAt;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * The calls made during the fault took, at the median, less than `factor` times the slowest call of the
 * baseline measured in the same test before it (the machine's load is in both). Calls of a few ms move by
 * more than 3x when the other test worker runs; the faults this guards against cost 20x and more (a hung
 * server: the whole connect timeout; a list_changed storm: 160-210 ms against 1-8 ms), hence 5.
 */
export function answeredAsFast(baseline: readonly number[], during: readonly number[], factor = 5): void {
  expect(during.length).toBeGreaterThan(0);
  expect(median(during)).toBeLessThan(factor * Math.max(...baseline));
}

/** A --pid-file for a fault server, and how many processes appended to it so far. */
export function startCounter(): (() => number) & { path: string } {
  const dir = mkdtempSync(join(tmpdir(), "fault-starts-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "pids");
  const starts = () => {
    try {
      return readFileSync(path, "utf8").split("\n").filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return Object.assign(starts, { path });
}

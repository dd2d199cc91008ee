/**
 * What every test of the fault suite (packages/mcp-pool/test/faults/) checks besides its own point: other
 * users' calls were answered about as fast as before the fault, no child process is left, and no warning
 * was printed.
 *   faultEntry(flags, extra?)     an `mcpServers` entry for ../fixtures/fault-server.mjs with those flags
 *   const warnings = watchWarnings()   once per file: process warnings printed during each test (an array,
 *                                      emptied before each test)
 *   timed(fn)                     fn's duration in ms
 *   median(values)
 *   answeredAsFast(baseline, during, factor?)   asserts median(during) < factor x the slowest baseline sample
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect } from "vitest";
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
 * baseline measured in the same test before it (the machine's load is in both).
 */
export function answeredAsFast(baseline: readonly number[], during: readonly number[], factor = 3): void {
  expect(during.length).toBeGreaterThan(0);
  expect(median(during)).toBeLessThan(factor * Math.max(...baseline));
}

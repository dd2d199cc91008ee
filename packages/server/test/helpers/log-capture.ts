/**
 * A pino logger whose JSON lines a test can read:
 *   const { logger, lines } = captureLogs();   pass `logger` to the server; `lines` fills as it logs
 *   findLog(lines, fields)                      the first line whose fields equal these
 */
import { PassThrough } from "node:stream";
import { createLogger } from "../../src/index.js";
import type { Logger } from "pino";

export function captureLogs(level: "info" | "debug" = "info"): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: createLogger(level, stream), lines };
}

export function findLog(lines: Record<string, unknown>[], fields: Record<string, unknown>): Record<string, unknown> | undefined {
  return lines.find((line) => Object.entries(fields).every(([key, value]) => line[key] === value));
}

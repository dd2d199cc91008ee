/** Structured JSON logs (pino). Every session's lines carry session_id and user_id; turns add chat_id. */

import { pino, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: "mcp-pool-server" } };
  // Synchronous stdout: pino's default buffers, and its flush at exit retries a write to a pipe
  // whose reader is gone (EPIPE) for ever, so the server would never exit after a SIGTERM.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}

export type { Logger };

/** Structured JSON logs (pino). Every session's lines carry session_id and user_id; turns add chat_id. */

import { pino, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  const options = { level, base: { service: "mcp-pool-server" } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };

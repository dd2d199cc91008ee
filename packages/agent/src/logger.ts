/** What the agent reports that no caller sees; any logger with these two methods fits (console, pino...). */
export interface AgentLogger {
  warn(message: string, details?: Record<string, unknown>): void;
  debug(message: string, details?: Record<string, unknown>): void;
}

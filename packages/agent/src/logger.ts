/**
 * What the agent reports that no caller sees. Pino's argument order (details,
 * then message), so a pino logger or child fits as is.
 */
export interface AgentLogger {
  warn(details: Record<string, unknown>, message: string): void;
  debug(details: Record<string, unknown>, message: string): void;
}

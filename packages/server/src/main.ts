#!/usr/bin/env node
/**
 * The deployable entry (bin `mcp-pool-server`, or `node packages/server/dist/main.js`):
 * settings from the environment, start, print what was loaded, close on SIGTERM/SIGINT/SIGHUP.
 */

import { llmSettingsFromEnv } from "@mcp-pool/agent";
import { createChatServer } from "./chat-server.js";
import { isLoopbackHost, settingsFromEnv } from "./config.js";
import { createLogger } from "./logger.js";
import { exitOnSignals } from "./shutdown.js";

async function main(): Promise<void> {
  const settings = settingsFromEnv(process.env);
  const logger = createLogger(settings.logLevel);
  const server = await createChatServer({ ...settings, llm: llmSettingsFromEnv(process.env), logger });
  exitOnSignals(() => server.close(), logger);

  const authOn = settings.authTokens.size > 0 || settings.jwtSecret !== undefined;
  if (!authOn && !isLoopbackHost(settings.host)) {
    logger.warn({ host: settings.host }, "auth is off and the server is reachable beyond this machine: set AUTH_TOKENS or JWT_SECRET");
  }
  logger.info({ url: server.url }, "listening");
  // The banner is for the person who started it; logs stay JSON on stdout.
  process.stderr.write(
    `\nmcp-pool chat server\n${server
      .describe()
      .map((l) => `  ${l}`)
      .join("\n")}\n\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`mcp-pool-server: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});

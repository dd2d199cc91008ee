/**
 * SIGTERM / SIGINT: close the server gracefully once, then exit 0. A second
 * signal while closing exits at once (1), for an operator who will not wait.
 * A server whose parent died (see closeWhenOrphaned) closes the same way.
 */

import type { Logger } from "pino";

export function exitOnSignals(close: () => Promise<void>, logger: Logger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals | "parent exited") => {
    if (closing) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, "closing on signal");
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  closeWhenOrphaned(() => onSignal("parent exited"));
}

/**
 * `pnpm start` puts pnpm and a shell in front of node, and they do not pass
 * SIGTERM on: node is left running, re-parented. Noticing the new parent lets
 * the server still close gracefully (within a second) instead of lingering.
 */
function closeWhenOrphaned(close: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      close();
    }
  }, 1000);
  timer.unref();
}

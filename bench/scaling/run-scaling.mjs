/**
 * Scaling: both variants (every MCP server `shared`, every server
 * `per-session`), both ways of asking (offline console `/call`, agent with
 * the scripted model), N users growing. A variant stops at the N where it
 * failed or where the RSS measured so far says it would pass the memory cap.
 */

import { memAvailableKiB } from "../lib/proc-tree.mjs";
import { startFakeLlmProcess } from "./fake-llm.mjs";
import { runScalingStep } from "./scaling-step.mjs";

/** Never let the server and its MCP children pass this (the machine has 24 GiB). */
export const MEMORY_CAP_MIB = 16 * 1024;
/** Headroom left to the rest of the machine whatever the cap says. */
const KEEP_FREE_MIB = 3 * 1024;

export async function runScaling({ usersSteps, questions, logDir, log }) {
  const llm = await startFakeLlmProcess();
  const steps = [];
  try {
    for (const variant of ["shared", "per-session"]) {
      for (const mode of ["console", "agent"]) {
        let failed;
        let last;
        for (const users of usersSteps) {
          const stopReason = failed ?? memoryStop(last, users);
          if (stopReason) {
            const estimate = stopReason.startsWith("would need") ? { estimatedRssMiB: estimatedMiB(last, users) } : {};
            steps.push({ variant, mode, users, skipped: stopReason, ...estimate });
            log(`scaling ${variant} ${mode} N=${users}: skipped (${stopReason})`);
            continue;
          }
          log(`scaling ${variant} ${mode} N=${users} ...`);
          last = await runScalingStep({ variant, mode, users, questions, llmBaseURL: llm.baseURL, logDir });
          steps.push(last);
          log(
            `  ${last.turnsOk} turns ok, ${last.errors} errors, ${last.mcpConnections} MCP children, ` +
              `RSS peak ${last.rssPeakMiB} MiB, p50 ${last.latencyMs.p50} ms, ${last.turnsPerSecond} turns/s`,
          );
          failed = failure(last);
        }
      }
    }
  } finally {
    await llm.stop();
  }
  return { memoryCapMiB: MEMORY_CAP_MIB, questionsPerUser: questions, steps };
}

/** Why the next step is not run: the last one failed. */
function failure(step) {
  const refused = step.users - step.connected;
  const asked = step.users * step.questionsPerUser;
  if (refused > 0) return `failed at N=${step.users}: ${refused} connections refused`;
  if (step.errors > asked * 0.01) return `failed at N=${step.users}: ${step.errors} of ${asked} turns in error`;
  return undefined;
}

/** RSS at `users`, from the baseline and the cost per user of the last step run. */
function estimatedMiB(last, users) {
  if (!last || last.skipped) return undefined;
  return Math.round(last.rssBeforeMiB + (last.rssPerUserKiB / 1024) * users);
}

/** Why the next step is not run: at the cost per user measured so far, it would pass the cap or the free memory. */
function memoryStop(last, users) {
  if (!last || last.skipped) return undefined;
  const estimateMiB = estimatedMiB(last, users);
  const limitMiB = Math.min(MEMORY_CAP_MIB, memAvailableKiB() / 1024 - KEEP_FREE_MIB + last.rssAfterMiB);
  if (estimateMiB <= limitMiB) return undefined;
  return (
    `would need ~${(estimateMiB / 1024).toFixed(1)} GiB at ${Math.round(last.rssPerUserKiB / 1024)} MiB per user ` +
    `(measured at N=${last.users}); limit ${(limitMiB / 1024).toFixed(1)} GiB`
  );
}

/** Starts bench/scaling/fake-llm-process.mjs and resolves with its base URL. */

import { fileURLToPath } from "node:url";
import { startProcess, waitForLine } from "../lib/processes.mjs";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./fake-llm-process.mjs", import.meta.url));

export async function startFakeLlmProcess() {
  // tsx loads the TypeScript fake; it is resolved from the repository root.
  const llm = startProcess(process.execPath, ["--import", "tsx", ENTRY], { cwd: REPO_ROOT });
  llm.child.stderr.on("data", (chunk) => process.stderr.write(`fake-llm: ${chunk}`));
  try {
    const [, baseURL] = await waitForLine(llm, /^listening (\S+)/);
    return { baseURL, pid: llm.pid, stop: () => llm.stop() };
  } catch (error) {
    await llm.stop();
    throw error;
  }
}

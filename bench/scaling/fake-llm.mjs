/** Starts bench/scaling/fake-llm-process.mjs and resolves with its base URL. */

import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startProcess } from "../lib/processes.mjs";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./fake-llm-process.mjs", import.meta.url));

export async function startFakeLlmProcess() {
  // tsx loads the TypeScript fake; it is resolved from the repository root.
  const llm = startProcess(process.execPath, ["--import", "tsx", ENTRY], { cwd: REPO_ROOT });
  llm.child.stderr.on("data", (chunk) => process.stderr.write(`fake-llm: ${chunk}`));
  const lines = createInterface({ input: llm.child.stdout });
  const timeout = setTimeout(() => void llm.stop(), 30_000);
  try {
    for await (const line of lines) {
      const match = /^listening (\S+)/.exec(line);
      if (match) return { baseURL: match[1], pid: llm.pid, stop: () => llm.stop() };
    }
    const { code } = await llm.exited;
    throw new Error(`fake LLM exited (code ${code}) before listening`);
  } finally {
    clearTimeout(timeout);
  }
}

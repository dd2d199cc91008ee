/**
 * The agent package's test Chat Completions server, as its own process, run
 * with `node --import tsx` (it is TypeScript in packages/agent/test). Scripted
 * like a model that uses two tools at once: a question gets an
 * `everything__echo` (stdio) and a `lab__echo` (HTTP) call with the question
 * as the text; the tool results get a final answer that quotes them. Prints
 * `listening <baseURL>` when ready.
 */

import { startFakeLlm } from "@mcp-pool/test-support/fake-llm";

const fake = await startFakeLlm();
fake.script((request) => {
  // The fake records every request for tests; a bench sends tens of thousands and reads none.
  fake.requests.length = 0;
  const { messages } = request;
  if (messages.at(-1)?.role === "tool") {
    const results = messages.slice(messages.findLastIndex((m) => m.role !== "tool") + 1);
    return { text: ["The tools answered: ", results.map((m) => String(m.content)).join(" | ")] };
  }
  const question = messages.findLast((m) => m.role === "user")?.content ?? "";
  return {
    toolCalls: [
      { name: "everything__echo", arguments: JSON.stringify({ message: question }) },
      { name: "lab__echo", arguments: JSON.stringify({ text: question }) },
    ],
  };
});
process.stdout.write(`listening ${fake.baseURL}\n`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => void fake.close().finally(() => process.exit(0)));
}

/**
 * The agent package's test Chat Completions server, as its own process, run
 * with `node --import tsx` (it is TypeScript in packages/agent/test). Scripted
 * like a model that uses one tool: a question gets one `everything__echo`
 * call with the question as the message; a tool result gets a final answer
 * that quotes it. Prints `listening <baseURL>` when ready.
 */

import { startFakeLlm } from "../../packages/agent/test/fake-llm/fake-llm-server.ts";

const fake = await startFakeLlm();
fake.script((request) => {
  // The fake records every request for tests; a bench sends tens of thousands and reads none.
  fake.requests.length = 0;
  const last = request.messages.at(-1);
  if (last?.role === "tool") return { text: ["The tool answered: ", String(last.content)] };
  const question = request.messages.findLast((m) => m.role === "user")?.content ?? "";
  return { toolCalls: [{ name: "everything__echo", arguments: JSON.stringify({ message: question }) }] };
});
process.stdout.write(`listening ${fake.baseURL}\n`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => void fake.close().finally(() => process.exit(0)));
}

/** The `chat.completion.chunk` objects an OpenAI-compatible server streams. */

export interface ScriptedToolCall {
  /** Default: `call_<n>`. */
  id?: string;
  name: string;
  /** The raw arguments string, sent as is (so a test can send invalid JSON). */
  arguments: string;
}

interface ChunkDelta {
  role?: "assistant";
  content?: string;
  tool_calls?: {
    index: number;
    id?: string;
    type?: "function";
    function: { name?: string; arguments: string };
  }[];
}

export function chunk(model: string, delta: ChunkDelta, finishReason: string | null = null): Record<string, unknown> {
  return {
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

/** Text in the given pieces, as many content deltas. */
export function textChunks(model: string, pieces: readonly string[]): Record<string, unknown>[] {
  return pieces.map((piece, i) => chunk(model, i === 0 ? { role: "assistant", content: piece } : { content: piece }));
}

/**
 * Each call's header (index, id, name) first, then its arguments cut into
 * three pieces, the pieces of different calls interleaved, as real servers do
 * when a model emits parallel calls.
 */
export function toolCallChunks(model: string, calls: readonly ScriptedToolCall[], firstId: number): Record<string, unknown>[] {
  const chunks = calls.map((call, index) =>
    chunk(model, {
      tool_calls: [{ index, id: call.id ?? `call_${firstId + index}`, type: "function", function: { name: call.name, arguments: "" } }],
    }),
  );
  const pieces = calls.map((call) => splitInThree(call.arguments));
  for (let piece = 0; piece < 3; piece++) {
    for (const [index, parts] of pieces.entries()) {
      const part = parts[piece]!;
      if (part !== "") chunks.push(chunk(model, { tool_calls: [{ index, function: { arguments: part } }] }));
    }
  }
  return chunks;
}

function splitInThree(text: string): [string, string, string] {
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

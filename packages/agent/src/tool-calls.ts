/**
 * Runs the tool calls of one model step concurrently, announcing each with a
 * `tool_call` event, passing on their progress (tool-progress.ts) and reporting
 * each `tool_result` as it settles. Every call
 * gets a tool message back for the model, failures included, so the model can
 * recover and the stored history never holds a call without its result.
 */

import type { ToolCallEvent, ToolProgressEvent, ToolResultEvent } from "./events.js";
import { toolMessageContent, type StoredToolCall, type ToolMessage } from "./messages.js";
import type { ToolProvider } from "./tools.js";
import { untilAborted } from "./abort.js";
import { toolErrorText, toolResultText, truncateText } from "./tool-output.js";
import { ToolProgressRelay } from "./tool-progress.js";

export interface ToolRunContext {
  tools: ToolProvider;
  /** Qualified names this agent may call (its filtered view of the catalog). */
  allowed: ReadonlySet<string>;
  sessionId: string;
  chatId: string;
  signal: AbortSignal;
  maxResultChars: number;
}

export interface ToolOutcome {
  ok: boolean;
  /** Output or error text, already cut to the budget. */
  text: string;
}

/**
 * Arguments nested deeper are refused: JSON.stringify, which every frame,
 * stored message and MCP request goes through, recurses, and throws a few
 * thousand levels down. No tool's parameters come near this.
 */
const MAX_ARGUMENT_DEPTH = 64;

/** A model's (or a console user's) arguments string as an object, or why it is not one. */
export function parseToolArguments(raw: string): { ok: true; args: Record<string, unknown> } | { ok: false; error: string } {
  // Some servers send "" for a tool without parameters.
  if (raw.trim() === "") return { ok: true, args: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `Invalid JSON arguments: ${(error as Error).message}` };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { ok: false, error: "Invalid arguments: expected a JSON object" };
  }
  if (deeperThan(parsed, MAX_ARGUMENT_DEPTH)) {
    return { ok: false, error: `Invalid arguments: nested more than ${MAX_ARGUMENT_DEPTH} levels deep` };
  }
  return { ok: true, args: parsed as Record<string, unknown> };
}

/** Whether objects and arrays nest deeper than `limit` levels (walked without recursion). */
function deeperThan(value: object, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}

export async function* runToolCalls(
  calls: readonly StoredToolCall[],
  context: ToolRunContext,
): AsyncGenerator<ToolCallEvent | ToolProgressEvent | ToolResultEvent, ToolMessage[]> {
  const parsed = calls.map((call) => parseToolArguments(call.function.arguments));
  const progress = new ToolProgressRelay(context.chatId);
  // Started before the events are yielded: a consumer that stops reading at a
  // `tool_call` ends the turn, and its signal then cancels these calls.
  const pending = new Map(calls.map((call, i) => [i, runOne(call, parsed[i]!, context, progress).then((outcome) => ({ i, outcome }))]));
  const outcomes: ToolOutcome[] = new Array(calls.length);
  try {
    for (const [i, call] of calls.entries()) {
      const args = parsed[i]!;
      yield {
        type: "toolCall",
        chatId: context.chatId,
        callId: call.id,
        name: call.function.name,
        arguments: args.ok ? args.args : call.function.arguments,
      };
    }

    while (pending.size > 0) {
      const { i, outcome } = yield* progress.until(Promise.race(pending.values()));
      pending.delete(i);
      outcomes[i] = outcome;
      const call = calls[i]!;
      progress.finish(call.id);
      yield {
        type: "toolResult",
        chatId: context.chatId,
        callId: call.id,
        name: call.function.name,
        ok: outcome.ok,
        content: outcome.text,
      };
    }
  } finally {
    progress.close();
  }

  return calls.map((call, i) => ({
    role: "tool" as const,
    tool_call_id: call.id,
    content: toolMessageContent(outcomes[i]!.ok, outcomes[i]!.text),
  }));
}

/** Never rejects: every way a call can fail becomes a failed outcome. */
async function runOne(
  call: StoredToolCall,
  args: ReturnType<typeof parseToolArguments>,
  context: ToolRunContext,
  progress: ToolProgressRelay,
): Promise<ToolOutcome> {
  if (!args.ok) return { ok: false, text: `${args.error}. The tool was not called.` };
  const name = call.function.name;
  if (!context.allowed.has(name)) return { ok: false, text: `Unknown tool "${name}". The tool was not called.` };
  try {
    const onProgress = progress.listener(call.id, name);
    const promise = context.tools.callTool(name, args.args, { sessionId: context.sessionId, signal: context.signal, onProgress });
    const result = await untilAborted(promise, context.signal);
    return { ok: true, text: truncateText(toolResultText(result), context.maxResultChars) };
  } catch (error) {
    if (context.signal.aborted) return { ok: false, text: "Cancelled before the tool finished." };
    return { ok: false, text: truncateText(toolErrorText(error), context.maxResultChars) };
  }
}

/**
 * A streamed Chat Completions request, sent with its body already JSON.
 * The tools are the bulk of most requests and the same for every request of
 * a catalog version, so their JSON is made once (ModelTools.toolsJson), not
 * by the openai package on every request as `chat.completions.create` would.
 * `client.post` is the openai package's own way to send a request it does not
 * build: a string body with a content-type is sent as it is, and `stream: true`
 * makes the answer the same Stream of chunks.
 */

import type OpenAI from "openai";
import type { Stream } from "openai/streaming";
import type { LlmSettings } from "./llm-settings.js";
import type { PromptMessage } from "./messages.js";
import type { ModelTools } from "./model-tools.js";

export function streamCompletion(
  client: OpenAI,
  settings: LlmSettings,
  messages: PromptMessage[],
  tools: ModelTools,
  signal: AbortSignal,
): Promise<Stream<OpenAI.ChatCompletionChunk>> {
  return client.post<Stream<OpenAI.ChatCompletionChunk>>("/chat/completions", {
    body: completionBody(settings, messages, tools),
    headers: { "content-type": "application/json" },
    stream: true,
    signal,
  });
}

/** The request's JSON: the typed params without the tools, then the tools' JSON spliced in before its closing brace. */
export function completionBody(settings: LlmSettings, messages: PromptMessage[], tools: ModelTools): string {
  const params: OpenAI.ChatCompletionCreateParamsStreaming = {
    model: settings.model,
    messages,
    stream: true,
    ...(settings.temperature !== undefined && { temperature: settings.temperature }),
  };
  const json = JSON.stringify(params);
  return tools.tools.length === 0 ? json : `${json.slice(0, -1)},"tools":${tools.toolsJson}}`;
}

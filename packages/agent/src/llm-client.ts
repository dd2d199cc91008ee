/** One openai client per LlmSettings object, shared by every agent given that object. */

import OpenAI from "openai";
import type { LlmSettings } from "./llm-settings.js";
import { createLlmFetch } from "./llm-fetch.js";

const OPENAI_API_URL = "https://api.openai.com/v1";

// Keyed by identity: agents created with the same settings share one client
// (and its HTTP keep-alive connections); an idle agent holds none of its own.
const clients = new WeakMap<LlmSettings, OpenAI>();

export function openAIClientFor(settings: LlmSettings): OpenAI {
  let client = clients.get(settings);
  if (!client) {
    client = new OpenAI({
      apiKey: settings.apiKey,
      // Explicit: left undefined, the openai package would read OPENAI_BASE_URL itself.
      baseURL: settings.baseURL ?? OPENAI_API_URL,
      fetch: createLlmFetch().fetch,
      ...(settings.maxRetries !== undefined && { maxRetries: settings.maxRetries }),
      ...(settings.timeoutMs !== undefined && { timeout: settings.timeoutMs }),
    });
    clients.set(settings, client);
  }
  return client;
}

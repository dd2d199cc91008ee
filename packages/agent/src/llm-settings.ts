/** How to reach an OpenAI-compatible Chat Completions endpoint. */

export interface LlmSettings {
  apiKey: string;
  /** e.g. `http://127.0.0.1:11434/v1` for Ollama; absent = api.openai.com. */
  baseURL?: string;
  model: string;
  /** Retries of the openai package on 408/409/429/5xx and connection errors (its default: 2). */
  maxRetries?: number;
  /** Per request, including the whole stream (the openai package's default: 10 minutes). */
  timeoutMs?: number;
  temperature?: number;
}

export const DEFAULT_MODEL = "gpt-4o-mini";

/**
 * Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the openai
 * package refuses to start without one.
 */
export const PLACEHOLDER_API_KEY = "not-needed";

/**
 * Settings from OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL; null when
 * neither the key nor the base URL is set (the agent is then a tool console).
 */
export function llmSettingsFromEnv(env: Record<string, string | undefined> = process.env): LlmSettings | null {
  const apiKey = nonEmpty(env.OPENAI_API_KEY);
  const baseURL = nonEmpty(env.OPENAI_BASE_URL);
  if (apiKey === undefined && baseURL === undefined) return null;
  const settings: LlmSettings = {
    apiKey: apiKey ?? PLACEHOLDER_API_KEY,
    model: nonEmpty(env.OPENAI_MODEL) ?? DEFAULT_MODEL,
  };
  if (baseURL !== undefined) settings.baseURL = baseURL;
  return settings;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

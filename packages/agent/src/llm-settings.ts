/** How to reach an OpenAI-compatible Chat Completions endpoint. */

import { OPENAI_TOOL_LIMITS, type OpenAIToolLimits } from "mcp-pool";

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
  /**
   * What one request may carry (default: OpenAI's, 128 tools and 1,024
   * characters per description). Tools past `maxTools` are not offered and
   * longer descriptions are cut; both are logged once per catalog version.
   */
  toolLimits?: Partial<OpenAIToolLimits>;
}

/** The limits in force for these settings: OpenAI's, overridden by `toolLimits`. */
export function toolLimitsOf(settings: LlmSettings): OpenAIToolLimits {
  return { ...OPENAI_TOOL_LIMITS, ...settings.toolLimits };
}

export const DEFAULT_MODEL = "gpt-4o-mini";

/**
 * Local servers (Ollama, vLLM, llama.cpp) ignore the key, but the openai
 * package refuses to start without one.
 */
const PLACEHOLDER_API_KEY = "not-needed";

/**
 * Settings from OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL, and the
 * tool limits from OPENAI_MAX_TOOLS and OPENAI_MAX_TOOL_DESCRIPTION_CHARS;
 * null when neither the key nor the base URL is set (the agent is then a
 * tool console). Throws a RangeError naming a limit that is not a number.
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
  const maxTools = positiveInteger(env, "OPENAI_MAX_TOOLS");
  const maxDescriptionChars = positiveInteger(env, "OPENAI_MAX_TOOL_DESCRIPTION_CHARS");
  if (maxTools !== undefined || maxDescriptionChars !== undefined) {
    settings.toolLimits = {
      ...(maxTools !== undefined && { maxTools }),
      ...(maxDescriptionChars !== undefined && { maxDescriptionChars }),
    };
  }
  return settings;
}

function positiveInteger(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = nonEmpty(env[name]);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got "${text}"`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

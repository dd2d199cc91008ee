/**
 * `${session.id}` in a per-session server's `args`, `env` values, `cwd`, `url`
 * and `headers` values, filled in when that session's client connects: file-
 * backed servers (server-memory's MEMORY_FILE_PATH, a browser profile) then
 * keep each session's state apart on disk too. It is not an environment
 * variable: `${VAR}` expansion leaves it in place, and the config refuses it
 * where it cannot be filled (shared servers, `command`).
 */

import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import type { ServerConfig, Sharing } from "./types.js";

export const SESSION_ID_PLACEHOLDER = "${session.id}";

const MAX_ID_CHARS = 40;
const HASH_HEX_DIGITS = 8;

/**
 * The form of a session id that is safe in a file name, a command-line
 * argument and a URL: 8 hex digits of sha256(id), `-`, then the id with every
 * character outside `[A-Za-z0-9_-]` replaced by `_`, cut to 40 characters
 * (`alice@example.com` → `ff8d9819-alice_example_com`). The hash keeps ids
 * that sanitize alike apart, and the form never starts with `-`.
 */
export function sessionIdForPaths(sessionId: string): string {
  const hash = createHash("sha256").update(sessionId).digest("hex").slice(0, HASH_HEX_DIGITS);
  const readable = sessionId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, MAX_ID_CHARS);
  return readable === "" ? hash : `${hash}-${readable}`;
}

/** Why the placeholder may not be used in a key of a server of this sharing, or undefined where it is filled in. */
export function sessionIdRefusal(sharing: Sharing, key?: "command"): string | undefined {
  if (key === "command") return `"${SESSION_ID_PLACEHOLDER}" is not filled in in "command" (only in args, env, cwd, url and headers)`;
  if (sharing === "per-session") return undefined;
  return `"${SESSION_ID_PLACEHOLDER}" is filled in only for "sharing": "per-session" servers; this one is shared, so every session's calls use the same clients`;
}

/** The problem with a config value's placeholders (as written, and after `${VAR}` expansion), if any. */
export function sessionIdProblem(written: string, expanded: string, refusal: string | undefined): string | undefined {
  const count = countSessionIds(written);
  if (count > 0 && refusal !== undefined) return refusal;
  // A variable's value is never taken for the placeholder.
  if (countSessionIds(expanded) !== count) {
    return `a variable's value contains "${SESSION_ID_PLACEHOLDER}", which is not filled in from the environment; remove it from the value`;
  }
  return undefined;
}

/** The value with a placeholder's worth of sample text, to validate a URL before any session exists. */
export function withSampleSessionId(value: string): string {
  return value.replaceAll(SESSION_ID_PLACEHOLDER, sessionIdForPaths("sample"));
}

function countSessionIds(value: string): number {
  return value.split(SESSION_ID_PLACEHOLDER).length - 1;
}

/**
 * The config one session's client connects with: each placeholder filled with
 * that session's form. Shared servers' configs come back unchanged.
 */
export function configForSession<T extends ServerConfig>(config: T, sessionId: string | undefined): T {
  if (config.sharing !== "per-session" || sessionId === undefined) return config;
  const form = sessionIdForPaths(sessionId);
  const fill = (value: string) => value.replaceAll(SESSION_ID_PLACEHOLDER, form);
  const fillValues = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, fill(value)]));
  if (config.type === "http") return { ...config, url: fill(config.url), headers: fillValues(config.headers) };
  return {
    ...config,
    args: config.args.map(fill),
    env: fillValues(config.env),
    cwd: config.cwd === undefined ? undefined : fill(config.cwd),
  };
}

/** A `cwd` made per session, which must be created before the child can start in it (undefined: none to make). */
export function sessionCwdToMake(config: ServerConfig, filled: ServerConfig): string | undefined {
  if (config.type !== "stdio" || filled.type !== "stdio" || filled.cwd === config.cwd) return undefined;
  return filled.cwd;
}

export async function makeSessionCwd(cwd: string): Promise<void> {
  await mkdir(cwd, { recursive: true });
}

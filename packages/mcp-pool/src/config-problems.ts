/**
 * What a config problem says: zod's issues turned into sentences that name the server and the key
 * (`mcpServers.crm.pool.maxConnections: must be an integer >= 1 (got 0)`), and every problem of one
 * config gathered into one ConfigError.
 */

import type { z } from "zod";
import { ConfigError } from "./errors.js";

export interface Problem {
  server: string | undefined;
  path: string;
  message: string;
}

export function toConfigError(problems: Problem[]): ConfigError {
  const [first] = problems;
  const lines = problems.map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`));
  const message = problems.length === 1 ? (lines[0] ?? "") : `${problems.length} problems in the MCP config:\n  ${lines.join("\n  ")}`;
  return new ConfigError(message, { path: first?.path ?? "", server: first?.server });
}

type Issue = z.core.$ZodIssue;

/** Zod reports some values twice (e.g. too big for the type and for our bound); keep the first. */
export function firstIssuePerPath(issues: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = JSON.stringify(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function describeIssue(issue: Issue): string {
  const got = `(got ${describeValue(issue.input)})`;
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(issue.expected)} ${got}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      return `must be an integer >= ${String(issue.minimum)} ${got}`;
    case "too_big":
      return `must be an integer <= ${String(issue.maximum)} ${got}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")} ${got}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  const names: Record<string, string> = {
    int: "an integer",
    number: "an integer",
    string: "a string",
    boolean: "true or false",
    object: "an object",
    array: "a list",
    record: "an object",
  };
  return names[expected] ?? expected;
}

/** A short, printable form of a bad value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** `mcpServers.crm.pool.maxConnections`; keys that are not identifiers are quoted, list indexes bracketed. */
export function keyPath(parts: readonly PropertyKey[]): string {
  return parts.reduce<string>((path, part) => {
    if (typeof part === "number") return `${path}[${part}]`;
    const key = String(part);
    if (/^[A-Za-z0-9_-]+$/.test(key)) return path === "" ? key : `${path}.${key}`;
    return `${path}[${JSON.stringify(key)}]`;
  }, "");
}

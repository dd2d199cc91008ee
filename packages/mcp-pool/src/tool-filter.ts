/**
 * Allow/deny filters on tool names, with `*` matching any run of characters.
 * Used on a server's own tool names (config `tools`) and on qualified names
 * (an agent's view of the shared catalog).
 */

import type { ToolFilter } from "./types.js";

/** True when the name passes the allow list (empty or absent = all) and no deny pattern matches. */
export function matchesToolFilter(name: string, filter: ToolFilter | undefined): boolean {
  return compileToolFilter(filter)(name);
}

/** The filter as a predicate, with its patterns compiled once, for use on a whole catalog. */
export function compileToolFilter(filter: ToolFilter | undefined): (name: string) => boolean {
  const allow = (filter?.allow ?? []).map(compilePattern);
  const deny = (filter?.deny ?? []).map(compilePattern);
  return (name) => (allow.length === 0 || allow.some((pattern) => pattern.test(name))) && !deny.some((pattern) => pattern.test(name));
}

function compilePattern(pattern: string): RegExp {
  const literal = pattern.split("*").map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, "\\$&"));
  return new RegExp(`^${literal.join(".*")}$`, "s");
}

/**
 * LLM function names for MCP tools: `<server>__<tool>` when it fits
 * `^[a-zA-Z0-9_-]{1,64}$`, else a deterministic shortened form with a hash,
 * so a name is the same in every process and maps back exactly.
 */

import { createHash } from "node:crypto";

const MAX_NAME_LENGTH = 64;
const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const INVALID_CHARACTERS = /[^a-zA-Z0-9_-]/g;
const SEPARATOR = "__";
const HASH_LENGTH = 8;
/** Room for the readable part: 64 minus `_` and the hash. */
const READABLE_LENGTH = MAX_NAME_LENGTH - 1 - HASH_LENGTH;
/** When shortening, the server part keeps at least this much; the tool part gets the rest. */
const MIN_SERVER_LENGTH = 16;

/**
 * Why a server name would make qualified names ambiguous, if it would. With
 * servers `a` and `a__b`, `a__b__c` could be tool `b__c` of `a` or tool `c` of
 * `a__b`, and would go to whichever was loaded; with `a` and `a_`, `a___c`
 * likewise. A name without `__` that does not end with `_` is the part of a
 * plain qualified name before its first `__`, so a name maps to one server
 * whatever servers are up.
 */
export function serverNameProblem(server: string): string | undefined {
  if (!server.includes(SEPARATOR) && !server.endsWith("_")) return undefined;
  return `a server name must not contain "${SEPARATOR}" or end with "_": tools are named "<server>${SEPARATOR}<tool>", and such a name would make them ambiguous`;
}

/**
 * Whether `name` may be a qualified name of a tool of `server`, judged from the name alone: plain
 * (`<server>__<tool>`) or shortened (the sanitised server name, cut to no less than 16 characters, then
 * `__`). Loose on purpose: it picks the servers worth loading to resolve a name, never the answer.
 */
export function mayBeNameOf(server: string, name: string): boolean {
  if (name.startsWith(`${server}${SEPARATOR}`)) return true;
  const safeServer = server.replace(INVALID_CHARACTERS, "_");
  return name.startsWith(safeServer.slice(0, MIN_SERVER_LENGTH)) && name.includes(SEPARATOR);
}

export interface ToolRef {
  server: string;
  tool: string;
}

/** `<server>__<tool>`, or its hashed form when that is not a valid LLM function name. */
export function qualifyToolName(server: string, tool: string): string {
  const plain = `${server}${SEPARATOR}${tool}`;
  return VALID_NAME.test(plain) ? plain : hashedToolName(server, tool);
}

/**
 * The shortened form: invalid characters become `_`, the server part then the
 * tool part are cut to fit, and `_` plus 8 hex of sha256(server, tool) is
 * appended. `salt` > 0 gives another name for the rare hash collision.
 */
export function hashedToolName(server: string, tool: string, salt = 0): string {
  const safeServer = server.replace(INVALID_CHARACTERS, "_");
  const safeTool = tool.replace(INVALID_CHARACTERS, "_");
  const toolRoom = READABLE_LENGTH - SEPARATOR.length;
  const serverLength = Math.min(safeServer.length, Math.max(MIN_SERVER_LENGTH, toolRoom - safeTool.length));
  const readable = `${safeServer.slice(0, serverLength)}${SEPARATOR}${safeTool.slice(0, toolRoom - serverLength)}`;
  return `${readable}_${shortHash(server, tool, salt)}`;
}

function shortHash(server: string, tool: string, salt: number): string {
  const input = salt === 0 ? `${server}\0${tool}` : `${server}\0${tool}\0${salt}`;
  return createHash("sha256").update(input).digest("hex").slice(0, HASH_LENGTH);
}

/**
 * Names for every tool of a catalog, unique, and the way back. Pairs are named
 * in sorted order, so the result does not depend on the order servers answered;
 * a pair whose name is already taken gets the hashed form (salted on a repeat).
 */
export class ToolNameIndex {
  private readonly byName = new Map<string, ToolRef>();
  private readonly byRef = new Map<string, string>();

  constructor(refs: Iterable<ToolRef>) {
    for (const ref of sortRefs(refs)) {
      const key = refKey(ref);
      if (this.byRef.has(key)) continue;
      const name = this.freeName(ref);
      this.byName.set(name, { server: ref.server, tool: ref.tool });
      this.byRef.set(key, name);
    }
  }

  /** The qualified name of a tool, if it is in the catalog. */
  nameOf(server: string, tool: string): string | undefined {
    return this.byRef.get(refKey({ server, tool }));
  }

  /** The server and tool a qualified name stands for. */
  resolve(name: string): ToolRef | undefined {
    const ref = this.byName.get(name);
    return ref && { ...ref };
  }

  get size(): number {
    return this.byName.size;
  }

  /** Every (qualified name, tool) pair, in sorted order of (server, tool). */
  *entries(): IterableIterator<[string, ToolRef]> {
    for (const [name, ref] of this.byName) yield [name, { ...ref }];
  }

  private freeName(ref: ToolRef): string {
    let name = qualifyToolName(ref.server, ref.tool);
    for (let salt = 0; this.byName.has(name); salt++) name = hashedToolName(ref.server, ref.tool, salt);
    return name;
  }
}

function sortRefs(refs: Iterable<ToolRef>): ToolRef[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...refs].sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool));
}

function refKey(ref: ToolRef): string {
  return `${ref.server}\0${ref.tool}`;
}

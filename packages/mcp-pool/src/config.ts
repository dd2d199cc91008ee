/**
 * Reads the `mcpServers` JSON that desktop MCP clients use, plus our own
 * optional keys, into a ManagerConfig with every default filled in.
 * Every problem is collected, so one ConfigError lists them all.
 */

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { expandEnv } from "./env-expansion.js";
import { describeIssue, describeValue, firstIssuePerPath, keyPath, type Problem, toConfigError } from "./config-problems.js";
import { ConfigError } from "./errors.js";
import { sessionIdProblem, sessionIdRefusal, withSampleSessionId } from "./session-placeholder.js";
import { serverNameProblem } from "./tool-names.js";
import type {
  CircuitOptions,
  HttpServerConfig,
  ManagerConfig,
  PoolOptions,
  ServerConfig,
  Sharing,
  StdioServerConfig,
  ToolFilter,
} from "./types.js";

/** The largest delay Node's timers accept; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_COUNT = 1_000_000;
/** Past this, one result would not fit in a string. */
const MAX_RESULT_BYTES = 512 * 1024 * 1024;

const POOL_DEFAULTS: PoolOptions = {
  minConnections: 0,
  maxConnections: 4,
  maxCallsPerConnection: 64,
  growAfterWaitMs: 100,
  maxWaiting: 1000,
  acquireTimeoutMs: 30_000,
  idleTimeoutMs: 300_000,
  validateAfterIdleMs: 30_000,
};
/** Per-session servers hold one client per user session, so their bound is larger. */
const PER_SESSION_MAX_CONNECTIONS = 256;
/**
 * A stdio client's calls share one pipe: the more in flight, the more the child reads and
 * answers per wakeup, so one client carries as many as a bare SDK client would under the
 * same callers (an HTTP call is a request of its own: 64 there; configuration.md, Sizing).
 */
const STDIO_MAX_CALLS_PER_CONNECTION = 256;

const CIRCUIT_DEFAULTS: CircuitOptions = { failureThreshold: 3, baseBackoffMs: 1000, maxBackoffMs: 30_000 };

const SERVER_DEFAULTS = {
  maxCallsPerSession: 4,
  callTimeoutMs: 60_000,
  maxTotalTimeoutMs: 600_000,
  resetTimeoutOnProgress: false,
  killTimeoutMs: 2000,
  connectTimeoutMs: 30_000,
  maxResultBytes: 8 * 1024 * 1024,
};

const int = (min: number, max: number) => z.int().min(min).max(max).optional();
const stringMap = z.record(z.string(), z.string()).optional();
const patterns = z.array(z.string().min(1)).optional();

// Our own objects are strict: a misspelt key there is a mistake, not another client's key.
const poolSchema = z.strictObject({
  minConnections: int(0, MAX_COUNT),
  maxConnections: int(1, MAX_COUNT),
  maxCallsPerConnection: int(1, MAX_COUNT),
  growAfterWaitMs: int(0, MAX_TIMER_MS),
  maxWaiting: int(0, MAX_COUNT),
  acquireTimeoutMs: int(1, MAX_TIMER_MS),
  idleTimeoutMs: int(1, MAX_TIMER_MS),
  validateAfterIdleMs: int(0, MAX_TIMER_MS),
});

const circuitSchema = z.strictObject({
  failureThreshold: int(1, MAX_COUNT),
  baseBackoffMs: int(1, MAX_TIMER_MS),
  maxBackoffMs: int(1, MAX_TIMER_MS),
});

// The entry itself is loose: desktop clients write keys of their own (`disabled`, `alwaysAllow`, ...).
const serverEntrySchema = z.looseObject({
  type: z.enum(["stdio", "http", "streamable-http", "sse"]).optional(),
  command: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  env: stringMap,
  cwd: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  headers: stringMap,
  transport: z.enum(["streamable-http", "sse"]).optional(),
  disabled: z.boolean().optional(),
  sharing: z.enum(["shared", "per-session"]).optional(),
  pool: poolSchema.optional(),
  circuit: circuitSchema.optional(),
  maxCallsPerSession: int(1, MAX_COUNT),
  callTimeoutMs: int(1, MAX_TIMER_MS),
  maxTotalTimeoutMs: int(1, MAX_TIMER_MS),
  resetTimeoutOnProgress: z.boolean().optional(),
  killTimeoutMs: int(0, MAX_TIMER_MS),
  connectTimeoutMs: int(1, MAX_TIMER_MS),
  maxResultBytes: int(1_024, MAX_RESULT_BYTES),
  tools: z.strictObject({ allow: patterns, deny: patterns }).optional(),
});

/** One entry of `mcpServers`, as written in the JSON file. */
export type RawServerEntry = z.input<typeof serverEntrySchema>;
type ServerEntry = z.output<typeof serverEntrySchema>;

/** The raw configuration: the `mcpServers` JSON of desktop MCP clients. */
export interface McpServersJson {
  mcpServers: Record<string, RawServerEntry>;
}

export interface ParseConfigOptions {
  /** Source of `${VAR}` values (default process.env). */
  env?: Record<string, string | undefined>;
  /** Directory a relative `cwd` is resolved against (default process.cwd()). */
  baseDir?: string;
}

/** Validates raw `mcpServers` JSON and fills every default. Throws ConfigError listing every problem. */
export function parseConfig(json: unknown, options: ParseConfigOptions = {}): ManagerConfig {
  const problems: Problem[] = [];
  const entries = readServerEntries(json, problems);
  const reader = new EntryReader(options.env ?? process.env, options.baseDir ?? process.cwd(), problems);
  const servers: ServerConfig[] = [];
  for (const [name, raw] of entries) {
    const server = reader.read(name, raw);
    if (server) servers.push(server);
  }
  if (problems.length > 0) throw toConfigError(problems);
  return { servers };
}

/** Reads a JSON config file; a relative `cwd` in it is resolved against the file's directory. */
export async function loadConfigFile(path: string, options: { env?: Record<string, string | undefined> } = {}): Promise<ManagerConfig> {
  const fullPath = resolve(path);
  let json: unknown;
  try {
    const text = await readFile(fullPath, "utf8");
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot be read (${String(error)})`;
    throw new ConfigError(`${path}: ${reason}`, { cause: error });
  }
  try {
    return parseConfig(json, { ...options, baseDir: dirname(fullPath) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`${path}: ${error.message}`, { path: error.path, server: error.server });
  }
}

function readServerEntries(json: unknown, problems: Problem[]): [string, unknown][] {
  const fail = (path: string, message: string): [string, unknown][] => {
    problems.push({ server: undefined, path, message });
    return [];
  };
  if (!isPlainObject(json)) return fail("", `the config must be a JSON object with "mcpServers" (got ${describeValue(json)})`);
  const servers = json["mcpServers"];
  if (servers === undefined) {
    const hint = "servers" in json ? ` (this looks like VS Code's "servers"; rename the key to "mcpServers")` : "";
    return fail("mcpServers", `is missing${hint}`);
  }
  if (!isPlainObject(servers)) return fail("mcpServers", `must be an object of servers by name (got ${describeValue(servers)})`);
  return Object.entries(servers);
}

/** Turns one raw entry into a ServerConfig, recording problems instead of throwing. */
class EntryReader {
  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly baseDir: string,
    private readonly problems: Problem[],
  ) {}

  read(name: string, raw: unknown): ServerConfig | undefined {
    if (name === "") return this.report(name, [], "a server name must not be empty");
    const nameProblem = serverNameProblem(name);
    if (nameProblem !== undefined) return this.report(name, [], nameProblem);
    if (isPlainObject(raw) && raw["disabled"] === true) return undefined;
    const parsed = serverEntrySchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      for (const issue of firstIssuePerPath(parsed.error.issues)) {
        this.report(name, issue.path, describeIssue(issue));
      }
      return undefined;
    }
    const entry = parsed.data;
    const before = this.problems.length;
    const common = this.readCommon(name, entry);
    const server = this.readTransport(name, entry, common);
    return this.problems.length === before ? server : undefined;
  }

  private readTransport(name: string, entry: ServerEntry, common: CommonConfig): ServerConfig | undefined {
    const { command, url, type } = entry;
    if (command === undefined && url === undefined) {
      return this.report(name, [], `needs "command" (a stdio server) or "url" (an HTTP server)`);
    }
    if (command !== undefined && url !== undefined) return this.report(name, [], `has both "command" and "url"; keep one`);
    if (command !== undefined) {
      if (type !== undefined && type !== "stdio") return this.report(name, ["type"], `is "${type}" but the entry has "command"`);
      return this.readStdio(name, command, entry, common);
    }
    if (type === "stdio") return this.report(name, ["type"], `is "stdio" but the entry has "url"`);
    const transportOfType = type === "sse" || type === "streamable-http" ? type : undefined;
    if (entry.transport && transportOfType && entry.transport !== transportOfType) {
      return this.report(name, ["transport"], `is "${entry.transport}" but "type" is "${type}"`);
    }
    return this.readHttp(name, url ?? "", entry.transport ?? transportOfType ?? "auto", entry, common);
  }

  private readStdio(name: string, command: string, entry: ServerEntry, common: CommonConfig): StdioServerConfig {
    const refusal = sessionIdRefusal(common.sharing);
    const cwd = entry.cwd === undefined ? undefined : this.expand(name, ["cwd"], entry.cwd, refusal);
    const secrets = new Set<string>();
    return {
      ...common,
      type: "stdio",
      command: this.expand(name, ["command"], command, sessionIdRefusal(common.sharing, "command")),
      args: (entry.args ?? []).map((arg, index) => this.expand(name, ["args", index], arg, refusal, secrets)),
      env: this.expandValues(name, "env", entry.env, refusal, secrets),
      cwd: cwd === undefined ? undefined : resolve(this.baseDir, cwd),
      secrets: [...secrets],
    };
  }

  private readHttp(
    name: string,
    rawUrl: string,
    transport: HttpServerConfig["transport"],
    entry: ServerEntry,
    common: CommonConfig,
  ): HttpServerConfig {
    const before = this.problems.length;
    const refusal = sessionIdRefusal(common.sharing);
    const secrets = new Set<string>();
    const url = this.expand(name, ["url"], rawUrl, refusal, secrets);
    if (this.problems.length === before && !isHttpUrl(withSampleSessionId(url))) {
      // The raw value is shown, not the expanded one: it may carry a secret.
      this.report(name, ["url"], `must be an http:// or https:// URL (got ${describeValue(rawUrl)})`);
    }
    const headers = this.expandValues(name, "headers", entry.headers, refusal, secrets);
    return { ...common, type: "http", url, headers, transport, secrets: [...secrets] };
  }

  private readCommon(name: string, entry: ServerEntry): CommonConfig {
    const sharing: Sharing = entry.sharing ?? "shared";
    const maxConnections = sharing === "per-session" ? PER_SESSION_MAX_CONNECTIONS : POOL_DEFAULTS.maxConnections;
    const maxCallsPerConnection = entry.command !== undefined ? STDIO_MAX_CALLS_PER_CONNECTION : POOL_DEFAULTS.maxCallsPerConnection;
    const pool: PoolOptions = { ...POOL_DEFAULTS, maxConnections, maxCallsPerConnection, ...definedOnly(entry.pool ?? {}) };
    const circuit: CircuitOptions = { ...CIRCUIT_DEFAULTS, ...definedOnly(entry.circuit ?? {}) };
    const limits = { ...SERVER_DEFAULTS, ...definedOnly(pickLimits(entry)) };
    const tools: ToolFilter = definedOnly({ allow: entry.tools?.allow, deny: entry.tools?.deny });
    this.checkOrder(name, ["pool", "minConnections"], pool.minConnections, "<=", ["pool.maxConnections", pool.maxConnections]);
    this.checkOrder(name, ["circuit", "maxBackoffMs"], circuit.maxBackoffMs, ">=", ["circuit.baseBackoffMs", circuit.baseBackoffMs]);
    this.checkOrder(name, ["maxTotalTimeoutMs"], limits.maxTotalTimeoutMs, ">=", ["callTimeoutMs", limits.callTimeoutMs]);
    if (sharing === "per-session" && pool.minConnections > 0) {
      this.report(
        name,
        ["pool", "minConnections"],
        `must be 0 when "sharing" is "per-session": its clients belong to sessions (got ${pool.minConnections})`,
      );
    }
    return { name, sharing, pool, circuit, ...limits, tools };
  }

  private checkOrder(
    name: string,
    path: readonly PropertyKey[],
    value: number,
    relation: "<=" | ">=",
    [otherKey, other]: [string, number],
  ): void {
    const ok = relation === "<=" ? value <= other : value >= other;
    if (!ok) this.report(name, path, `must be ${relation} ${otherKey} (${other}) (got ${value})`);
  }

  private expandValues(
    name: string,
    key: string,
    values: Record<string, string> | undefined,
    refusal: string | undefined,
    secrets: Set<string>,
  ): Record<string, string> {
    const expanded: Record<string, string> = {};
    for (const [field, value] of Object.entries(values ?? {})) expanded[field] = this.expand(name, [key, field], value, refusal, secrets);
    return expanded;
  }

  /**
   * `${VAR}` expansion; `${session.id}` stays for the per-session fill, or is reported with `refusal`.
   * The variables' values go to `secrets`, when given.
   */
  private expand(name: string, path: readonly PropertyKey[], value: string, refusal: string | undefined, secrets?: Set<string>): string {
    try {
      const expanded = expandEnv(value, this.env, (found) => secrets?.add(found));
      const problem = sessionIdProblem(value, expanded, refusal);
      if (problem !== undefined) this.report(name, path, problem);
      return expanded;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.report(name, path, error.message);
      return value;
    }
  }

  /** Records a problem at `mcpServers.<server>.<keys...>`; returns undefined so callers can `return this.report(...)`. */
  private report(server: string, keys: readonly PropertyKey[], message: string): undefined {
    this.problems.push({ server, path: keyPath(["mcpServers", server, ...keys]), message });
    return undefined;
  }
}

type CommonConfig = Omit<StdioServerConfig, "type" | "command" | "args" | "env" | "cwd">;

function pickLimits(entry: ServerEntry) {
  const { maxCallsPerSession, callTimeoutMs, maxTotalTimeoutMs, resetTimeoutOnProgress, killTimeoutMs, connectTimeoutMs, maxResultBytes } =
    entry;
  return { maxCallsPerSession, callTimeoutMs, maxTotalTimeoutMs, resetTimeoutOnProgress, killTimeoutMs, connectTimeoutMs, maxResultBytes };
}

/** Drops undefined values so that spreading the result keeps the defaults. */
function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === "http:" || protocol === "https:";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

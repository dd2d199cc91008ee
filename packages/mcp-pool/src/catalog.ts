/**
 * The shared tool catalog across servers: LLM-safe qualified names
 * (`<server>__<tool>`, shortened with a hash when needed), the reverse map,
 * listings that answer at once with the catalogs loaded and report the others
 * (unreachable, still loading) instead of waiting for them or hiding the rest.
 */

import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { ManagerClosedError, ServerUnavailableError, ToolNotFoundError, type McpPoolError } from "./errors.js";
import type { ServerCatalog } from "./server-catalog.js";
import { compileToolFilter } from "./tool-filter.js";
import { mayBeNameOf, ToolNameIndex } from "./tool-names.js";
import type { CatalogTool, ToolFilter, ToolListing } from "./types.js";

export interface ResolvedTool {
  readonly server: string;
  readonly tool: Tool;
  readonly qualifiedName: string;
}

export class Catalog {
  #index: ToolNameIndex | undefined;
  /** Sum of the catalogs' versions the index was built at: versions only grow, so any reload changes it. */
  #indexVersion = -1;
  /** What lookup() found per qualified name, for the index's version: a call resolves its tool without allocating. */
  readonly #found = new Map<string, ResolvedTool>();

  constructor(private readonly servers: ReadonlyMap<string, ServerCatalog>) {}

  /**
   * Every server's tools loaded so far, at once: a server not loaded yet is loaded in the background and
   * listed in `unavailable` until it is (the listing waits for it as `ServerCatalog.settleForListing` says).
   */
  async list(filter?: ToolFilter, sessionId?: string, waitMs?: number): Promise<ToolListing> {
    await Promise.all([...this.servers.values()].map((catalog) => catalog.settleForListing(sessionId, waitMs)));
    const allowed = compileToolFilter(filter);
    const index = this.#currentIndex();
    const tools: CatalogTool[] = [];
    const unavailable: ToolListing["unavailable"] = [];
    for (const catalog of this.servers.values()) {
      const reason = catalog.unavailableReason();
      if (reason) unavailable.push({ server: catalog.server, error: reason });
      for (const tool of catalog.cached() ?? []) {
        const name = index.nameOf(catalog.server, tool.name);
        if (name !== undefined && allowed(name)) tools.push(toCatalogTool(name, catalog.server, tool));
      }
    }
    unavailable.sort((a, b) => a.server.localeCompare(b.server));
    return { tools, unavailable };
  }

  /**
   * Maps a qualified name back to its server and tool. When it is not among the tools loaded, loads the
   * servers whose name it may be of (for `sessionId`) and waits for them alone, never for another server.
   */
  async resolve(name: string, sessionId?: string): Promise<ResolvedTool> {
    const found = this.lookup(name);
    if (found) return found;
    const candidates = [...this.servers.values()].filter((catalog) => !catalog.cached() && mayBeNameOf(catalog.server, name));
    const failed: { server: string; error: Error }[] = [];
    await Promise.all(
      candidates.map((catalog) =>
        catalog.tools(sessionId).catch((error: unknown) => {
          failed.push({ server: catalog.server, error: error instanceof Error ? error : new Error(String(error)) });
        }),
      ),
    );
    const loaded = this.lookup(name);
    if (loaded) return loaded;
    // The tool's own server is down: say that, not "unknown tool".
    const ownServer = failed.find((entry) => name.startsWith(`${entry.server}__`)) ?? (failed.length === 1 ? failed[0] : undefined);
    if (ownServer) throw asUnavailable(ownServer.server, ownServer.error);
    const down = [...this.servers.values()].filter((catalog) => !catalog.cached()).map((catalog) => catalog.server);
    const hint = down.length > 0 ? ` (not loaded: ${down.join(", ")})` : "";
    throw new ToolNotFoundError(`Unknown tool "${name}"${hint}`, { tool: name });
  }

  /** The tool behind a qualified name among the catalogs loaded so far; loads nothing. */
  lookup(name: string): ResolvedTool | undefined {
    const index = this.#currentIndex();
    const known = this.#found.get(name);
    if (known) return known;
    const ref = index.resolve(name);
    if (!ref) return undefined;
    const tool = this.servers
      .get(ref.server)
      ?.cached()
      ?.find((candidate) => candidate.name === ref.tool);
    if (!tool) return undefined;
    const found: ResolvedTool = { server: ref.server, tool, qualifiedName: name };
    this.#found.set(name, found);
    return found;
  }

  /** The name index over every tool loaded so far, rebuilt when a catalog version changes. */
  #currentIndex(): ToolNameIndex {
    let version = 0;
    for (const catalog of this.servers.values()) version += catalog.version;
    if (!this.#index || version !== this.#indexVersion) {
      const refs = [...this.servers.values()].flatMap((catalog) =>
        (catalog.cached() ?? []).map((tool) => ({ server: catalog.server, tool: tool.name })),
      );
      this.#index = new ToolNameIndex(refs);
      this.#indexVersion = version;
      this.#found.clear();
    }
    return this.#index;
  }
}

function toCatalogTool(name: string, server: string, tool: Tool): CatalogTool {
  return {
    name,
    server,
    tool: tool.name,
    title: tool.title ?? tool.annotations?.title,
    description: tool.description ?? "",
    inputSchema: tool.inputSchema as Record<string, unknown>,
    annotations: { ...tool.annotations },
  };
}

function asUnavailable(server: string, error: Error): McpPoolError {
  // Closing is not the server's fault: the caller must see ManagerClosedError.
  if (error instanceof ServerUnavailableError || error instanceof ManagerClosedError) return error;
  return new ServerUnavailableError(`MCP server "${server}" is unavailable: ${error.message}`, { server, cause: error });
}

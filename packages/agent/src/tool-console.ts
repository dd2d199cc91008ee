/**
 * The agent without a model: a console to list and call the tools, so the
 * server, the pools and the MCP servers can be tried on a fresh machine.
 * A user's mistake (unknown command or tool, bad JSON) ends the turn with a
 * `bad_request` error that says how to fix it; a failed tool with `tool_failed`;
 * a tool whose server cannot be reached with `server_unavailable`.
 */

import { randomUUID } from "node:crypto";
import type { CatalogTool, ToolCallResult, ToolFilter, ToolListing } from "mcp-pool";
import type { AgentEvent } from "./events.js";
import type { ToolProvider } from "./tools.js";
import { untilAborted } from "./abort.js";
import { parseToolArguments } from "./tool-calls.js";
import { toolErrorText, toolResultText, truncateText } from "./tool-output.js";
import { ToolProgressRelay } from "./tool-progress.js";
import { BadRequestError, ToolFailedError, ToolServerUnavailableError } from "./turn-errors.js";
import { describeTool, exampleArguments, formatCatalog, TOOLS_PER_PAGE } from "./tool-console-text.js";

export interface ToolConsoleContext {
  tools: ToolProvider;
  toolFilter: ToolFilter | undefined;
  sessionId: string;
  chatId: string;
  signal: AbortSignal;
  maxResultChars: number;
  /** How to configure a model, from whoever deployed the agent; appended to /help and to the no-model reply. */
  hint: string | undefined;
}

const CONSOLE_HELP = [
  "No language model is configured, so this is a tool console. Commands:",
  "",
  "  /tools                 list the tools by server, and the servers that are not available",
  "  /tools <text>          only the tools whose name contains <text> (one match: its full description)",
  `  /tools ... --page <n>  the next ${TOOLS_PER_PAGE} tools, when there are more`,
  '  /call <tool> <json>    call a tool, e.g. /call everything__echo {"message": "hello"}',
  "  /help                  this text",
  "",
  "A tool's short name works too when it is unique (/call echo {...}).",
].join("\n");

export async function* runToolConsole(input: string, context: ToolConsoleContext): AsyncGenerator<AgentEvent, void> {
  const text = input.trim();
  const [command = ""] = text.split(/\s+/);
  const argument = text.slice(command.length).trim();
  const answer = (reply: string): AgentEvent => ({ type: "answer", chatId: context.chatId, text: reply });

  const withHint = (reply: string) => (context.hint ? `${reply}\n\n${context.hint}` : reply);
  if (!text.startsWith("/")) {
    yield answer(withHint("No language model is configured, so I can only run tools for you. Type /help for the commands."));
    return;
  }
  switch (command.toLowerCase()) {
    case "/help":
    case "/?":
      yield answer(withHint(CONSOLE_HELP));
      return;
    case "/tools":
      yield answer(await listTools(argument, context));
      return;
    case "/call":
      yield* callTool(argument, context);
      return;
    default:
      throw new BadRequestError(`Unknown command "${command}". The commands are /tools, /call and /help.`);
  }
}

/** `/tools [text] [--page N]`. */
async function listTools(argument: string, context: ToolConsoleContext): Promise<string> {
  const paged = /(?:^|\s)--page\s+(\S+)$/.exec(argument);
  const search = (paged ? argument.slice(0, paged.index) : argument).trim();
  const page = paged ? Number(paged[1]) : 1;
  if (!Number.isInteger(page) || page < 1) throw new BadRequestError(`--page takes a page number from 1, e.g. /tools --page 2`);
  const listing = await untilAborted(context.tools.listTools({ filter: context.toolFilter, sessionId: context.sessionId }), context.signal);
  const needle = search.toLowerCase();
  const matches =
    search === "" ? listing : { tools: listing.tools.filter((tool) => tool.name.toLowerCase().includes(needle)), unavailable: [] };
  if (search !== "" && matches.tools.length === 1 && !paged) return describeTool(matches.tools[0]!);
  const pages = Math.max(1, Math.ceil(matches.tools.length / TOOLS_PER_PAGE));
  if (page > pages) throw new BadRequestError(`There ${pages === 1 ? "is 1 page" : `are ${pages} pages`} of tools; ask for one of them.`);
  return formatCatalog(matches, {
    page,
    command: search === "" ? "/tools" : `/tools ${search}`,
    emptyText: search === "" ? "No tools are available." : `No tool name contains "${search}". Type /tools to list them all.`,
  });
}

async function* callTool(argument: string, context: ToolConsoleContext): AsyncGenerator<AgentEvent, void> {
  const [requested = ""] = argument.split(/\s+/);
  if (requested === "") {
    throw new BadRequestError(
      'Usage: /call <tool> <json-args>, e.g. /call everything__echo {"message": "hello"}. Type /tools to list the tools.',
    );
  }
  const listing = await untilAborted(context.tools.listTools({ filter: context.toolFilter, sessionId: context.sessionId }), context.signal);
  // Undefined when the tool's server is not listed now (still loading, or down): the pool says which.
  const tool = resolveTool(requested, listing);
  const name = tool?.name ?? requested;
  const rawArgs = argument.slice(requested.length).trim();
  const example = tool && `/call ${tool.name} ${JSON.stringify(exampleArguments(tool))}`;
  const args = parseToolArguments(rawArgs);
  if (!args.ok) throw new BadRequestError(example ? `${args.error}. Example: ${example}` : args.error);
  if (tool && rawArgs === "" && Object.keys(exampleArguments(tool)).length > 0) {
    throw new BadRequestError(`${tool.name} needs arguments. Example: ${example} (/tools ${tool.name} describes them).`);
  }

  const callId = `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const base = { chatId: context.chatId, callId, name };
  yield { type: "toolCall", ...base, arguments: args.args };
  const progress = new ToolProgressRelay(context.chatId);
  let outcome: { ok: true; result: ToolCallResult } | { ok: false; error: unknown };
  try {
    const onProgress = progress.listener(callId, name);
    const call = context.tools.callTool(name, args.args, { sessionId: context.sessionId, signal: context.signal, onProgress });
    outcome = yield* progress.until(
      untilAborted(call, context.signal).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
  } finally {
    progress.close();
  }
  if (!outcome.ok) {
    const message = context.signal.aborted ? "Cancelled before the tool finished." : toolErrorText(outcome.error);
    yield { type: "toolResult", ...base, ok: false, content: message };
    throw consoleCallError(message, outcome.error);
  }
  const output = truncateText(toolResultText(outcome.result), context.maxResultChars);
  yield { type: "toolResult", ...base, ok: true, content: output };
  yield { type: "answer", chatId: context.chatId, text: output === "" ? "(the tool returned no content)" : output };
}

/** The turn's error for a failed /call: the pool's verdict when it has one that is not the tool's. */
function consoleCallError(message: string, error: unknown): Error {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === "server_unavailable") return new ToolServerUnavailableError(message, { cause: error });
  if (code === "tool_not_found") return new BadRequestError(`${message}. Type /tools to list the tools.`, { cause: error });
  return new ToolFailedError(message, { cause: error });
}

/**
 * The exact qualified name, or a tool's short name when only one server has
 * it; undefined when the name is one of a server's that is not listed now (the
 * call then goes to the pool, which waits for that server alone, or says why not).
 */
function resolveTool(requested: string, listing: ToolListing): CatalogTool | undefined {
  const exact = listing.tools.find((tool) => tool.name === requested);
  if (exact) return exact;
  const byShortName = listing.tools.filter((tool) => tool.tool === requested);
  if (byShortName.length === 1) return byShortName[0]!;
  if (byShortName.length > 1) {
    throw new BadRequestError(`"${requested}" is on several servers: ${byShortName.map((t) => t.name).join(", ")}. Use the full name.`);
  }
  if (listing.unavailable.some((entry) => requested.startsWith(`${entry.server}__`))) return undefined;
  const similar = listing.tools.filter((tool) => tool.name.toLowerCase().includes(requested.toLowerCase())).slice(0, 3);
  const hint = similar.length > 0 ? ` Did you mean ${similar.map((t) => t.name).join(" or ")}?` : "";
  throw new BadRequestError(`Unknown tool "${requested}".${hint} Type /tools to list the tools.`);
}

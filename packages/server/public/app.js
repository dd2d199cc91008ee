// The chat page: one WebSocket (protocol v1, docs/protocol.md) that reconnects with backoff and asks
// for the history of the open chat, several chats in this tab, and the live panel. Plain ES modules,
// no build step; the libraries are served by the server from its node_modules.

import { Chats } from "/chats.js";
import { assistantMessage, errorMessage, historyMessage, noteMessage, toolMessage, userMessage } from "/messages.js";
import { startPanel } from "/panel.js";

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
// A token given as ?token=… is kept for this tab only and taken off the address bar.
const token = params.get("token") ?? sessionStorage.getItem("mcp-pool-token");
if (params.has("token")) {
  sessionStorage.setItem("mcp-pool-token", token);
  params.delete("token");
  history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

const state = {
  socket: undefined,
  mode: undefined,
  retryMs: FIRST_RETRY_MS,
  panelStarted: false,
  helpShown: false,
  /** False once the server said it has no `history` frame (an older server). */
  historySupported: true,
};

const chats = new Chats($("#messages"), $("#chat-list"));
chats.onSwitch = (chat) => {
  showCancel();
  askHistory(chat);
  $("#question").focus();
};

function setStatus(text, kind) {
  const status = $("#status");
  status.textContent = text;
  status.className = `status ${kind}`;
}

function connect() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  // Browsers cannot set headers on a WebSocket: the token travels as a subprotocol.
  const socket = token ? new WebSocket(url, ["mcp-pool.v1", `bearer.${token}`]) : new WebSocket(url);
  state.socket = socket;
  setStatus("connecting…", "connecting");
  socket.addEventListener("message", (event) => onFrame(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => {
    $("#send").disabled = true;
    // The server cancels a closed socket's turns: nothing more comes for them.
    for (const chat of chats.all) {
      chat.pending = [];
      chat.answering = undefined;
      chat.loaded = false;
      chat.historyPending = false;
    }
    showCancel();
    // Backoff with jitter, so the users of an instance that died do not all come back at once.
    const delay = Math.round(state.retryMs * (0.5 + Math.random() / 2));
    const why = event.reason ? `: ${event.reason}` : "";
    setStatus(`disconnected (${event.code}${why}), retrying in ${Math.ceil(delay / 1000)} s…`, "down");
    setTimeout(connect, delay);
    state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
  });
}

function send(frame) {
  if (state.socket?.readyState !== WebSocket.OPEN) return false;
  state.socket.send(JSON.stringify(frame));
  return true;
}

function onFrame(frame) {
  if (frame.type === "ready") return onReady(frame);
  if (frame.type === "pong") return;
  const chat = frame.chat_id === undefined ? chats.current : chats.get(frame.chat_id);
  if (!chat) return;
  switch (frame.type) {
    case "history":
      return showHistory(chat, frame.messages ?? [], frame.omitted ?? 0);
    case "delta": {
      const answer = answerOf(chat);
      answer.set(answer.text + frame.text);
      return scrollDown(chat);
    }
    case "tool_call": {
      chat.answering = undefined;
      const block = toolMessage(frame.name, frame.arguments);
      chat.tools.set(frame.call_id, block);
      add(chat, block.item);
      return;
    }
    case "tool_progress":
      return chat.tools.get(frame.call_id)?.setProgress(frame.progress, frame.total, frame.message);
    case "tool_result": {
      chat.tools.get(frame.call_id)?.setResult(frame.ok, frame.content);
      chat.tools.delete(frame.call_id);
      chat.lastResult = frame.content;
      return scrollDown(chat);
    }
    case "answer":
      return onAnswer(chat, frame);
    case "error":
      return onError(chat, frame);
  }
}

function onReady(frame) {
  state.retryMs = FIRST_RETRY_MS;
  state.mode = frame.mode;
  setStatus(frame.mode === "llm" ? "connected · LLM agent" : "connected · tool console", "up");
  $("#you").textContent = `you are ${frame.user_id}`;
  $("#send").disabled = false;
  // The panel starts with the socket, so its first numbers already count this user.
  if (!state.panelStarted) {
    state.panelStarted = true;
    startPanel(token ? { authorization: `Bearer ${token}` } : {});
  }
  askHistory(chats.current);
  if (frame.mode === "console" && !state.helpShown) {
    state.helpShown = true;
    ask(chats.current, "/help", { quiet: true });
  }
}

/** Asks for a chat's messages once per connection (the server may have turns this tab never saw). */
function askHistory(chat) {
  if (!state.historySupported || chat.loaded || chat.pending.length > 0) return;
  if (send({ type: "history", chat_id: chat.id })) {
    chat.loaded = true;
    chat.historyPending = true;
  }
}

function showHistory(chat, messages, omitted) {
  chat.historyPending = false;
  // A turn of this tab still running keeps what it shows; an empty history keeps what the tab has.
  if (chat.pending.length > 0 || messages.length === 0) return;
  let question = "";
  const items = omitted > 0 ? [noteMessage(`${omitted} earlier message${omitted === 1 ? "" : "s"} not shown`)] : [];
  for (const message of messages) {
    if (message.role === "user") question = message.text ?? "";
    const item = historyMessage(message, renderFor(question));
    if (item) items.push(item);
  }
  const first = messages.find((message) => message.role === "user");
  if (first) chats.asked(chat, first.text);
  chat.view.replaceChildren(...items);
  scrollDown(chat);
}

function onAnswer(chat, frame) {
  const turn = chat.pending.shift();
  const answer = chat.answering;
  chat.answering = undefined;
  // The console answers a /call with its result, already shown in the tool block: shown once.
  if (!answer && chat.lastResult !== undefined && frame.text === chat.lastResult) {
    chat.lastResult = undefined;
    return endTurn();
  }
  chat.lastResult = undefined;
  // A truncated answer was cut to fit one frame; the deltas before it, if any, carried all of it.
  if (answer && answer.text !== "") {
    answer.flush();
  } else {
    const bubble = assistantMessage(renderFor(turn?.question ?? ""));
    bubble.set(frame.truncated ? `${frame.text}…` : frame.text);
    bubble.flush();
    add(chat, bubble.item);
  }
  endTurn();
}

function onError(chat, frame) {
  if (chat.historyPending) {
    chat.historyPending = false;
    // The server reads frames in order and answers a history frame at once, before any turn's
    // error: this is the refusal of a server without it. The tab keeps its own messages.
    if (frame.code === "bad_request") {
      state.historySupported = false;
      return;
    }
  }
  chat.answering = undefined;
  chat.lastResult = undefined;
  add(chat, errorMessage(`${frame.code}: ${frame.message}`));
  if (frame.chat_id !== undefined) chat.pending.shift();
  endTurn();
}

/** How an answer is shown: the console's own text as it is (its /tools as groups), a model's as Markdown. */
function renderFor(question) {
  if (state.mode !== "console") return "markdown";
  if (/^\/tools\b/i.test(question)) return "tools";
  return /^\/call\b/i.test(question) ? "markdown" : "plain";
}

function answerOf(chat) {
  if (!chat.answering) {
    chat.answering = assistantMessage(renderFor(chat.pending[0]?.question ?? ""));
    add(chat, chat.answering.item);
  }
  return chat.answering;
}

function add(chat, item) {
  chat.view.append(item);
  scrollDown(chat);
}

function ask(chat, question, { quiet = false } = {}) {
  if (!send({ type: "ask", chat_id: chat.id, question })) return false;
  if (!quiet) {
    add(chat, userMessage(question));
    chats.asked(chat, question);
  }
  chat.answering = undefined;
  chat.pending.push({ question, quiet });
  showCancel();
  return true;
}

function endTurn() {
  showCancel();
}

/** Cancel is there only while a question of the open chat is being answered. */
function showCancel() {
  $("#cancel").hidden = !chats.current.pending.some((turn) => !turn.quiet);
}

function cancel() {
  if ($("#cancel").hidden) return;
  send({ type: "cancel", chat_id: chats.current.id });
}

function scrollDown(chat) {
  if (chat !== chats.current) return;
  const box = $("#messages");
  box.scrollTop = box.scrollHeight;
}

$("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (question && ask(chats.current, question)) $("#question").value = "";
});
$("#question").addEventListener("keydown", (event) => {
  // Enter sends, Shift+Enter breaks the line (the textarea's own), not while an IME composes.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("#ask").requestSubmit();
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") cancel();
});
$("#cancel").addEventListener("click", cancel);
$("#new-chat").addEventListener("click", () => chats.switchTo(chats.create()));
// Keep the socket from the idle timeout while the page is open.
setInterval(() => send({ type: "ping" }), 60_000);

connect();

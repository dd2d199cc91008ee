// The chat page: one WebSocket (protocol v1, docs/protocol.md), one chat at a time,
// and a live panel polled from /api/stats. Plain DOM, no build step.

const $ = (selector) => document.querySelector(selector);
const params = new URLSearchParams(location.search);
// A token given as ?token=… is kept for this tab only and taken off the address bar.
const token = params.get("token") ?? sessionStorage.getItem("mcp-pool-token");
if (params.has("token")) {
  sessionStorage.setItem("mcp-pool-token", token);
  params.delete("token");
  history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
}

const state = {
  socket: undefined,
  chatId: newChatId(),
  running: 0,
  answering: undefined, // the <li> receiving deltas
  toolBlocks: new Map(), // call_id -> element
  helpShown: false,
  retryMs: 1000,
};

function newChatId() {
  return `chat-${Math.random().toString(36).slice(2, 10)}`;
}

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
    endTurnUi(state.running);
    const why = event.reason ? `: ${event.reason}` : "";
    setStatus(`disconnected (${event.code}${why}), retrying…`, "down");
    setTimeout(connect, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 30_000);
  });
}

function onFrame(frame) {
  switch (frame.type) {
    case "ready":
      state.retryMs = 1000;
      setStatus(frame.mode === "llm" ? "connected · LLM agent" : "connected · tool console", "up");
      $("#you").textContent = `you are ${frame.user_id}`;
      $("#send").disabled = false;
      if (frame.mode === "console" && !state.helpShown) {
        state.helpShown = true;
        ask("/help", { quiet: true });
      }
      return;
    case "pong":
      return;
    case "delta":
      answerBubble().textContent += frame.text;
      return scrollDown();
    case "tool_call":
      return addToolCall(frame);
    case "tool_result":
      return addToolResult(frame);
    case "answer":
      // A truncated answer was cut to fit one frame; the deltas before it, if any, carried all of it.
      if (!frame.truncated || answerBubble().textContent === "") answerBubble().textContent = frame.truncated ? `${frame.text}…` : frame.text;
      state.answering = undefined;
      endTurnUi(1);
      return scrollDown();
    case "error":
      addMessage("error", `${frame.code}: ${frame.message}`);
      state.answering = undefined;
      if (frame.chat_id) endTurnUi(1);
      return;
  }
}

function addMessage(kind, text) {
  const item = document.createElement("li");
  item.className = `message ${kind}`;
  item.textContent = text;
  $("#messages").append(item);
  scrollDown();
  return item;
}

function answerBubble() {
  state.answering ??= addMessage("assistant", "");
  return state.answering;
}

function addToolCall(frame) {
  state.answering = undefined;
  const item = document.createElement("li");
  item.className = "message tool pending";
  const details = document.createElement("details");
  details.open = true;
  const summary = document.createElement("summary");
  summary.textContent = `⚙ ${frame.name}`;
  const args = document.createElement("pre");
  args.className = "tool-args";
  args.textContent = typeof frame.arguments === "string" ? frame.arguments : JSON.stringify(frame.arguments, null, 2);
  const result = document.createElement("pre");
  result.className = "tool-result";
  result.textContent = "running…";
  details.append(summary, args, result);
  item.append(details);
  $("#messages").append(item);
  state.toolBlocks.set(frame.call_id, item);
  scrollDown();
}

function addToolResult(frame) {
  const item = state.toolBlocks.get(frame.call_id);
  if (!item) return;
  item.classList.remove("pending");
  item.classList.add(frame.ok ? "ok" : "failed");
  item.querySelector(".tool-result").textContent = frame.content;
  state.toolBlocks.delete(frame.call_id);
  scrollDown();
}

function ask(question, { quiet = false } = {}) {
  if (state.socket?.readyState !== WebSocket.OPEN) return;
  if (!quiet) addMessage("user", question);
  state.answering = undefined;
  state.socket.send(JSON.stringify({ type: "ask", chat_id: state.chatId, question }));
  state.running += 1;
  $("#cancel").hidden = false;
}

function endTurnUi(turns) {
  state.running = Math.max(0, state.running - turns);
  $("#cancel").hidden = state.running === 0;
}

function scrollDown() {
  const list = $("#messages");
  list.scrollTop = list.scrollHeight;
}

async function refreshPanel() {
  try {
    const response = await fetch("/api/stats", { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new Error(String(response.status));
    const stats = await response.json();
    $("#users-online").textContent = stats.users;
    $("#sockets").textContent = stats.sockets;
    $("#sessions").textContent = stats.sessions;
    const rows = stats.pool.servers.map((s) => {
      const row = document.createElement("tr");
      row.dataset.server = s.server;
      row.className = s.circuit === "closed" ? "" : "circuit-open";
      row.title = `${s.sharing}; circuit ${s.circuit}; ${s.callsOk} calls ok`;
      for (const [key, value] of [["name", s.server], ["clients-open", s.clientsOpen], ["in-flight", s.callsInFlight], ["waiting", s.waiting]]) {
        const cell = document.createElement("td");
        cell.className = key;
        cell.textContent = value;
        row.append(cell);
      }
      return row;
    });
    $("#servers tbody").replaceChildren(...rows);
  } catch {
    /* the panel shows the last values; the next poll tries again */
  }
}

$("#chat-id").textContent = state.chatId;
$("#ask").addEventListener("submit", (event) => {
  event.preventDefault();
  const question = $("#question").value.trim();
  if (!question) return;
  ask(question);
  $("#question").value = "";
});
$("#question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("#ask").requestSubmit();
  }
});
$("#cancel").addEventListener("click", () => {
  state.socket?.send(JSON.stringify({ type: "cancel", chat_id: state.chatId }));
});
$("#new-chat").addEventListener("click", () => {
  state.chatId = newChatId();
  $("#chat-id").textContent = state.chatId;
  $("#messages").replaceChildren();
});
// Keep the socket from the idle timeout while the page is open.
setInterval(() => {
  if (state.socket?.readyState === WebSocket.OPEN) state.socket.send('{"type":"ping"}');
}, 60_000);

connect();
refreshPanel();
setInterval(refreshPanel, 2000);

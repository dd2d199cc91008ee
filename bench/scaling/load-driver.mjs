/**
 * The load: N WebSocket users in their own process (so the server's
 * measurements never include the client's work), steered by the bench over
 * IPC. Each user opens one socket, waits for `ready`, and on `ask` asks its
 * questions one after another, question q in chat "q<q>" (so that an answer
 * that comes after its turn timed out is never taken for the next one), each
 * answer checked for the user's own token.
 *
 *   bench → { cmd: "connect", url, users, concurrency, ownAddresses }   ← { event: "connected", ok, failed, ms }
 *   (ownAddresses: user i connects from its own loopback address 127.0.x.y, as different users come
 *   from different machines; the benches' default, see load-driver-process.mjs)
 *   bench → { cmd: "ask", from, to, questions, mode }      ← { event: "answered", latenciesMs[question][], errors, wallMs }
 *   bench → { cmd: "close" }                               ← { event: "closed" } and exit
 */

import WebSocket from "ws";

const TURN_TIMEOUT_MS = 600_000;
const CONNECT_TIMEOUT_MS = 60_000;

/** @type {{ ws: WebSocket, waiting?: { chatId: string, finish: (frame: object) => void } }[]} */
const users = [];

function count(tally, key) {
  tally[key] = (tally[key] ?? 0) + 1;
}

/** 127.0.1.1, 127.0.1.2, ...: Linux answers on all of 127.0.0.0/8. */
const loopbackAddress = (i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

function openUser(url, localAddress) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS, localAddress });
    const user = { ws, waiting: undefined };
    const fail = (reason) => {
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      resolve({ reason });
    };
    ws.on("error", (error) => fail(error.code ?? "socket_error"));
    ws.on("close", (code) => {
      if (user.waiting) user.waiting.finish({ type: "error", code: `closed_${code}` });
      else resolve({ reason: `closed_${code}` });
    });
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === "ready") return resolve({ user });
      const ends = frame.type === "answer" || frame.type === "error";
      if (ends && user.waiting && (frame.chat_id === undefined || frame.chat_id === user.waiting.chatId)) user.waiting.finish(frame);
    });
  });
}

async function connect({ url, users: total, concurrency, ownAddresses = false }) {
  const started = performance.now();
  const failed = {};
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const opened = await openUser(url, ownAddresses ? loopbackAddress(i) : undefined);
      if (opened.user) users.push(opened.user);
      else count(failed, opened.reason);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return { ok: users.length, failed, ms: performance.now() - started };
}

/** Console: even questions call the stdio server, odd ones the HTTP server. Agent: the model calls both. */
function questionFor(mode, token, q) {
  if (mode !== "console") return `Please echo ${token}`;
  return q % 2 === 0
    ? `/call everything__echo ${JSON.stringify({ message: token })}`
    : `/call lab__echo ${JSON.stringify({ text: token })}`;
}

function askOnce(user, chatId, question) {
  return new Promise((resolve) => {
    if (user.ws.readyState !== WebSocket.OPEN) return resolve({ type: "error", code: "socket_closed" });
    const timer = setTimeout(() => finish({ type: "error", code: "turn_timeout" }), TURN_TIMEOUT_MS);
    function finish(frame) {
      clearTimeout(timer);
      user.waiting = undefined;
      resolve(frame);
    }
    user.waiting = { chatId, finish };
    user.ws.send(JSON.stringify({ chat_id: chatId, question }));
  });
}

async function ask({ from, to, questions, mode }) {
  /** latenciesMs[q]: the q-th question of every user (the first pays for cold starts). */
  const latenciesMs = Array.from({ length: questions }, () => []);
  const errors = {};
  const started = performance.now();
  await Promise.all(
    users.slice(from, to).map(async (user, i) => {
      for (let q = 0; q < questions; q++) {
        const token = `u${from + i}-q${q}`;
        const sent = performance.now();
        const frame = await askOnce(user, `q${q}`, questionFor(mode, token, q));
        if (frame.type === "error") {
          count(errors, frame.code);
          // The server may still be working on it: cancel, so it does not load the next question's numbers.
          if (frame.code === "turn_timeout" && user.ws.readyState === WebSocket.OPEN)
            user.ws.send(JSON.stringify({ type: "cancel", chat_id: `q${q}` }));
        } else if (!String(frame.text).includes(token)) count(errors, "wrong_answer");
        else latenciesMs[q].push(performance.now() - sent);
      }
    }),
  );
  return { latenciesMs, errors, wallMs: performance.now() - started };
}

async function closeAll() {
  await Promise.all(
    users.map(
      (user) =>
        new Promise((resolve) => {
          if (user.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            user.ws.terminate();
            resolve();
          }, 5_000);
          user.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          user.ws.close(1000, "bench done");
        }),
    ),
  );
}

process.on("message", async (message) => {
  if (message.cmd === "connect") process.send({ event: "connected", ...(await connect(message)) });
  else if (message.cmd === "ask") process.send({ event: "answered", ...(await ask(message)) });
  else if (message.cmd === "close") {
    await closeAll();
    process.send({ event: "closed" }, () => process.exit(0));
  }
});
// The bench going away (even by SIGKILL) closes the IPC channel: leave with it.
process.on("disconnect", () => process.exit(0));

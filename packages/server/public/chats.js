// The chats of this tab: a side list (New chat, switch), each titled by its first question.
// The list (ids and titles) is kept in sessionStorage, so a reload keeps it; the messages come back
// from the server's `history` frame. Each chat has its own message list, so answers of a chat in the
// background land where they belong.

const STORAGE_KEY = "mcp-pool-chats";
const TITLE_CHARS = 60;

function newChatId() {
  return `chat-${Math.random().toString(36).slice(2, 10)}`;
}

export class Chats {
  #byId = new Map();
  #container;
  #list;
  current;
  /** Called with the chat switched to. */
  onSwitch = () => {};

  constructor(container, list) {
    this.#container = container;
    this.#list = list;
    const saved = this.#load();
    for (const { id, title } of saved.chats) this.#add(id, title);
    this.switchTo(this.#byId.get(saved.current) ?? this.#byId.values().next().value ?? this.create());
  }

  get all() {
    return [...this.#byId.values()];
  }

  get(id) {
    return this.#byId.get(id);
  }

  create() {
    const chat = this.#add(newChatId(), "");
    // A chat made here has nothing stored yet: no history to ask for until the next connection.
    chat.loaded = true;
    this.#save();
    return chat;
  }

  switchTo(chat, { save = true } = {}) {
    this.current = chat;
    for (const other of this.#byId.values()) {
      other.view.hidden = other !== chat;
      other.entry.querySelector("button").setAttribute("aria-current", String(other === chat));
    }
    if (save) this.#save();
    this.onSwitch(chat);
  }

  /** The first question names the chat. */
  asked(chat, question) {
    if (chat.title) return;
    chat.title = question.length > TITLE_CHARS ? `${question.slice(0, TITLE_CHARS - 1)}…` : question;
    chat.entry.querySelector("button").textContent = chat.title;
    this.#save();
  }

  #add(id, title) {
    const view = document.createElement("ol");
    view.className = "messages";
    view.dataset.chat = id;
    view.hidden = true;
    this.#container.append(view);
    const entry = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = title || "New chat";
    entry.append(button);
    this.#list.prepend(entry);
    const chat = { id, title, view, entry, pending: [], tools: new Map(), answering: undefined, lastResult: undefined, loaded: false };
    button.addEventListener("click", () => this.switchTo(chat));
    this.#byId.set(id, chat);
    return chat;
  }

  #load() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "{}");
      return { chats: Array.isArray(saved.chats) ? saved.chats.filter((c) => typeof c?.id === "string") : [], current: saved.current };
    } catch {
      return { chats: [] };
    }
  }

  #save() {
    const chats = this.all.map(({ id, title }) => ({ id, title }));
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ chats, current: this.current?.id }));
  }
}
